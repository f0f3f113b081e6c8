"""The newsletter in a real browser: subscribing without JavaScript, and a send's live progress."""
from __future__ import annotations

from playwright.sync_api import expect

from campaign.auth.models import Role
from campaign.newsletter import dispatch
from tests.browser.conftest import wait_for_mail
from tests.conftest import Inbox
from tests.integration.newsletter_helpers import add_subscribers, start_issue


def test_subscribe_and_confirm_without_javascript(new_page, inbox, live_server):
    """A reader over Tor with scripts off can subscribe and confirm with the mailed link."""
    page = new_page(javascript=False, locale="en-GB")
    page.goto("/subscribe?lang=en")
    page.fill("input[name=email]", "reader@example.org")
    page.get_by_label("Policy and law").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    wait_for_mail()
    link = next(u for u in Inbox.links(inbox.last_to("reader@example.org")) if "/subscribe/confirm/" in u)
    page.goto(link)
    page.get_by_role("button", name="Yes, send me the newsletter").click()
    expect(page.get_by_role("heading", name="Thank you, you are subscribed")).to_be_visible()


def test_issue_page_shows_progress_live(new_page, make_user, app, inbox):
    """An organiser watching a send sees the counts move without reloading by hand."""
    make_user(Role.ORGANISER, email="org@example.org", password="correct horse battery")
    add_subscribers(60)
    issue_id = start_issue(make_user(Role.ORGANISER))
    page = new_page(locale="en-GB")
    page.goto("/login?lang=en")
    page.fill("input[name=email]", "org@example.org")
    page.fill("input[name=password]", "correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/staff/newsletter/issues/{issue_id}")
    expect(page.locator('[data-field="pending"]')).to_have_text("60")
    dispatch.run(budget=30)
    expect(page.locator('[data-field="sent"]')).to_have_text("60", timeout=15_000)
