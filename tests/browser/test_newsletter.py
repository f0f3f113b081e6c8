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


def test_composer_writes_each_language_in_its_own_fieldset(new_page, make_user, app):
    """With three languages the composer shows one fieldset per language; a draft written in two
    is saved with both, and its page says which language is still missing."""
    make_user(Role.ORGANISER, email="org@example.org", password="correct horse battery")
    page = new_page(locale="en-GB")
    page.goto("/login?lang=en")
    page.fill("input[name=email]", "org@example.org")
    page.fill("input[name=password]", "correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/staff/newsletter/issues/new?lang=en")
    fieldsets = page.locator("fieldset.translated")
    expect(fieldsets).to_have_count(3)
    expect(fieldsets.locator("legend")).to_have_text(["简体中文", "繁體中文", "English"])
    page.fill("input[name=subject-zh_Hans]", "三月通讯")
    page.fill("textarea[name=body-zh_Hans]", "{{name|朋友}}，你好")
    page.fill("input[name=subject-zh_Hant]", "三月通訊")
    page.fill("textarea[name=body-zh_Hant]", "{{name|朋友}}，妳好")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="三月通讯")).to_be_visible()
    expect(page.locator(".badge.warn")).to_have_text("Not translated: English")
