"""An organiser's day in a real browser, in each interface language: review a volunteer and vet
them, invite them into a group, the volunteer accepts through the mailed link, a task is assigned
and the volunteer marks it done; then compose an issue for the group, count its recipients, send
it and follow the progress until it is sent.

The organiser types one address, the sign-in page; every other page is reached by following the
staff menu and the links on the pages it leads to, and every page they see carries the menu.
"""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask_babel import force_locale, gettext, ngettext
from playwright.sync_api import expect
from sqlalchemy import select

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import dispatch
from campaign.newsletter.models import Issue
from campaign.volunteers.labels import STATUS_LABELS, TASK_STATUS_LABELS
from campaign.volunteers.models import Status, Task, TaskStatus, Volunteer, WorkingGroup
from tests.browser.conftest import wait_for_mail
from tests.conftest import Inbox
from tests.integration.newsletter_helpers import add_subscribers
from tests.integration.volunteer_factories import make_group, make_volunteer

PASSWORD = "correct horse battery"
BABEL = {"zh": "zh_Hans", "zh-Hant": "zh_Hant", "en": "en"}
BROWSER = {"zh": "zh-CN", "zh-Hant": "zh-TW", "en": "en-GB"}


class Words:
    """The interface's own words in the test's language, so the test reads what a person reads."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, text: str, **values: Any) -> str:
        with force_locale(BABEL[self.lang]):
            return gettext(text, **values)

    def plural(self, one: str, many: str, n: int) -> str:
        with force_locale(BABEL[self.lang]):
            return ngettext(one, many, n)

    def label(self, lazy: object) -> str:
        with force_locale(BABEL[self.lang]):
            return str(lazy)


class StaffMenu:
    """The organiser's only way around: the staff menu on every staff page."""

    def __init__(self, page: Any, t: Words) -> None:
        self.page, self.t = page, t
        self.seen: list[str] = []
        page.on("load", lambda p: self.seen.append(p.url))
        # Each document says, as it loads, whether it carries the menu (read after the day: a
        # page that flashed by between two clicks is counted too).
        self.with_menu: set[str] = set()
        label = json.dumps(t("Staff menu"))
        page.add_init_script(f"""addEventListener('DOMContentLoaded', () => {{
          const menu = [...document.querySelectorAll('nav')].find(n => n.getAttribute('aria-label') === {label});
          if (menu && menu.querySelectorAll('a').length) console.debug('staff-menu ' + location.href);
        }});""")
        page.on("console", lambda msg: self.with_menu.add(msg.text.removeprefix("staff-menu "))
                if msg.text.startswith("staff-menu ") else None)

    def nav(self) -> Any:
        return self.page.get_by_role("navigation", name=self.t("Staff menu"))

    def open(self, section: str) -> None:
        self.nav().get_by_role("link", name=self.t(section), exact=True).click()
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()

    def assert_on_every_page(self, base_url: str) -> None:
        """Each page the organiser saw (bar the sign-in page) was a staff page showing the menu."""
        assert len(self.seen) > 10
        for url in self.seen:
            if url.startswith(base_url + "/login"):
                continue
            assert url.startswith(base_url + "/staff"), url
            assert url in self.with_menu, f"no staff menu on {url}"


@pytest.mark.parametrize("lang", ["zh", "zh-Hant", "en"])
def test_an_organisers_day(lang, new_page, live_server, inbox, make_user, app):
    t = Words(lang)
    make_user(Role.ORGANISER, email="organiser@example.org", password=PASSWORD)
    group: WorkingGroup = make_group(name={"zh_Hans": "翻译组", "en": "Translation team"})
    group_name = group.text("name", BABEL[lang])
    person: Volunteer = make_volunteer(email="morning.star@example.net", nickname="晨星", status="new",
                                       mail_consent=True, locale=BABEL[lang])
    add_subscribers(3)  # newsletter readers outside the group: the group's issue is not for them

    page = new_page(locale=BROWSER[lang])
    menu = StaffMenu(page, t)
    page.goto(f"/login?lang={lang}")
    page.fill("input[name=email]", "organiser@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name=t("Sign in")).click()
    expect(menu.nav()).to_be_visible()

    # Review the volunteer and vet them; their consent to be mailed is shown.
    menu.open("Volunteers")
    page.get_by_role("link", name="晨星").click()
    expect(page.get_by_text(t("agreed"), exact=True)).to_be_visible()
    page.get_by_label(t("New status")).select_option("vetted")
    page.get_by_label(t("Vouched for or checked by")).fill("王老师")
    page.get_by_role("button", name=t("Change status")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(t.label(STATUS_LABELS[Status.VETTED]))

    # Invite them into the group; they accept through the mailed link.
    page.get_by_label(t("Working group")).select_option(label=group_name)
    with page.expect_navigation():  # the invitation is committed once the next page arrives
        page.get_by_role("button", name=t("Invite"), exact=True).click()
    wait_for_mail()
    accept = next(u for u in Inbox.links(inbox.last_to(person.email or "")) if u.endswith("/accept"))
    volunteer_page = new_page(javascript=False, locale=BROWSER[lang])
    volunteer_page.goto(accept)
    volunteer_page.get_by_role("button", name=t("Accept and join")).click()
    expect(volunteer_page.get_by_role("heading", name=t("Welcome"))).to_be_visible()

    # Assign a task from the group's page.
    menu.open("Working groups")
    page.get_by_role("link", name=group_name, exact=True).click()
    page.get_by_label(t("Title"), exact=True).fill("翻译联合声明")
    page.get_by_role("checkbox", name="晨星", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name=t("Create task")).click()
    wait_for_mail()
    task_link = next(u for u in Inbox.links(inbox.last_to(person.email or "")) if "/me/tasks/" in u)

    # The volunteer follows the task link, signs in by mail and lands on the task; marks it done.
    volunteer_page.goto(task_link)
    volunteer_page.get_by_label(t("Email")).fill(person.email or "")
    with volunteer_page.expect_navigation():
        volunteer_page.get_by_role("button", name=t("Send me a link")).click()
    wait_for_mail()
    signin = next(u for u in Inbox.links(inbox.last_to(person.email or "")) if "/volunteer/signin/" in u)
    volunteer_page.goto(signin)
    volunteer_page.get_by_role("button", name=t("Sign in")).click()
    expect(volunteer_page.get_by_role("heading", name="翻译联合声明")).to_be_visible()
    done = t.label(TASK_STATUS_LABELS[TaskStatus.DONE])
    with volunteer_page.expect_navigation():
        volunteer_page.get_by_role("button", name=t("Mark as: %(status)s", status=done)).click()
    task = db.session.scalar(select(Task))
    assert task is not None
    db.session.refresh(task)
    assert task.status == TaskStatus.DONE.value

    # Compose an issue for the group, count its recipients (live, then with the button), send.
    inbox.clear()
    menu.open("Newsletter")
    page.get_by_role("link", name=t("Write an issue")).click()
    # The issue is written in Simplified Chinese only, in that language's fieldset.
    simplified = page.get_by_role("group", name="简体中文")
    simplified.get_by_label(t("Subject"), exact=True).fill("周六的翻译活动")
    simplified.get_by_label(t("Text (Markdown)")).fill("{{name|朋友}}，周六见！")
    segment = f"{t('Members of a working group')}: {group_name}"
    page.get_by_label(t("Segment")).select_option(label=segment)
    one = t.plural("%(num)d person would receive this issue now.", "%(num)d people would receive this issue now.", 1)
    expect(page.locator("#recipient-count")).to_have_text(one)  # live, as the segment changed
    with page.expect_navigation():  # the composer comes back from the server, with the count
        page.get_by_role("button", name=t("Count recipients")).click()
    expect(page.locator("#recipient-count")).to_have_text(one)  # the same, from the server
    expect(simplified.get_by_label(t("Subject"), exact=True)).to_have_value("周六的翻译活动")
    page.get_by_role("button", name=t("Save draft")).click()
    page.get_by_role("button", name=t("Send now to %(n)d recipients", n=1)).click()
    expect(page.locator('[data-field="pending"]')).to_have_text("1")

    dispatch.run(budget=30)  # the worker's BULK lane, which the live server leaves to the test
    expect(page.locator('[data-field="sent"]')).to_have_text("1", timeout=15_000)
    issue = db.session.scalar(select(Issue))
    assert issue is not None
    db.session.refresh(issue)
    assert issue.status == "sent"
    # The volunteer, who agreed to be mailed but never subscribed, got it; the readers did not.
    received = inbox.to(person.email or "")
    assert [m["Subject"] for m in received] == ["周六的翻译活动"]
    assert not any(inbox.to(f"reader{i}@example.net") for i in range(3))

    menu.open("Newsletter")
    expect(page.get_by_role("link", name="周六的翻译活动")).to_be_visible()
    menu.assert_on_every_page(live_server.url)
    assert re.search(r"/staff/newsletter/issues/\d+", " ".join(menu.seen))
