"""An organiser creates an event; a stranger replies, confirms from the mail and gets the
reminder; the organiser checks them in at the door and reads the report. No JavaScript, both
languages."""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from campaign.auth.models import Role
from campaign.events import services as events
from campaign.events.models import Event, Rsvp
from campaign.extensions import db
from campaign.timeutil import to_org, utcnow
from tests.browser.conftest import wait_for_mail
from tests.conftest import Inbox
from tests.integration.volunteer_factories import make_group

TEXT = {
    "en": {"email": "Email", "password": "Password", "sign_in": "Sign in", "group": "Working group",
           "status": "Status", "published": "Published", "title": "Title", "starts": "Starts",
           "ends": "Ends", "area": "Area shown to everyone",
           "place": "Exact address or meeting link (confirmed attendees only)", "places": "Places",
           "questions": "Questions for people who reply (one per line, optional)", "save": "Save event",
           "saved": "Event saved.", "nickname": "Nickname", "reply": "Count me in",
           "check_mail": "Please check your mail",
           "confirm": "Confirm my place", "confirmed": "Place confirmed", "reminder": "Reminder",
           "search_label": "Nickname or code", "search": "Search", "check_in": "Check in", "checked": "Checked in.",
           "show_rate": "Show rate"},
    "zh": {"email": "电子邮箱", "password": "密码", "sign_in": "登录", "group": "工作组", "status": "状态",
           "published": "已发布", "title": "标题", "starts": "开始时间", "ends": "结束时间",
           "area": "公开显示的区域", "place": "详细地址或会议链接（只给已确认的参加者）", "places": "名额",
           "questions": "给报名者的问题（每行一个，可选）", "save": "保存活动", "saved": "活动已保存。",
           "nickname": "昵称", "reply": "我要参加", "check_mail": "请查收邮件", "confirm": "确认我的名额",
           "confirmed": "名额已确认", "reminder": "提醒", "search_label": "昵称或签到码", "search": "搜索",
           "check_in": "签到", "checked": "已签到。", "show_rate": "到场率"},
}


class EventPages:
    """The events pages' selectors, in one place."""

    def __init__(self, page: Any, lang: str) -> None:
        self.page = page
        self.t = TEXT[lang]

    def label(self, key: str) -> Any:
        return self.page.get_by_label(self.t[key], exact=True)

    def written_in(self, language: str, key: str) -> Any:
        """A translated text's input in the fieldset of `language` (its own name, e.g. 简体中文)."""
        return self.page.get_by_role("group", name=language).get_by_label(self.t[key], exact=True)

    def sign_in(self, email: str, password: str) -> None:
        self.label("email").fill(email)
        self.label("password").fill(password)
        self.page.get_by_role("button", name=self.t["sign_in"]).click()

    def create(self, group: str, start: str, end: str) -> None:
        self.page.goto("/staff/events/new")
        self.label("group").select_option(label=group)
        self.label("status").select_option(label=self.t["published"])
        self.written_in("简体中文", "title").fill("放映与讨论：沉默的镜头")
        self.label("starts").fill(start)
        self.label("ends").fill(end)
        self.written_in("简体中文", "area").fill("上海·徐汇")
        self.label("place").fill("徐汇区某路 88 号 2 楼")
        self.label("places").fill("10")
        self.written_in("简体中文", "questions").fill("你有无障碍方面的需要吗？")
        self.page.get_by_role("button", name=self.t["save"]).click()
        expect(self.page.get_by_text(self.t["saved"])).to_be_visible()

    def reply(self, event_id: int, nickname: str, email: str) -> None:
        self.page.goto(f"/events/{event_id}")
        self.label("nickname").fill(nickname)
        self.label("email").fill(email)
        self.page.get_by_label("你有无障碍方面的需要吗？").fill("需要轮椅通道")
        self.page.get_by_role("button", name=self.t["reply"], exact=True).click()
        expect(self.page.get_by_text(self.t["check_mail"])).to_be_visible()


def wait_for_event_mail(rounds: int = 1200) -> None:
    """Wait (bounded) until the worker beside the live server has composed every reply's mail,
    then until it has delivered the queue."""
    for _round in range(rounds):
        db.session.rollback()
        if not db.session.scalar(select(Rsvp.id).where(Rsvp.mail_due != "").limit(1)):
            wait_for_mail()
            return
        time.sleep(0.05)
    raise AssertionError("the worker never composed the replies' mail")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_event_from_creation_to_report_without_javascript(app, new_page, inbox, make_user, lang):
    make_group(name={"zh_Hans": "线下活动组", "en": "Events team"})
    organiser = make_user(Role.ORGANISER)
    staff = EventPages(new_page(javascript=False, locale="en-US" if lang == "en" else "zh-CN"), lang)
    staff.page.goto(f"/login?lang={lang}")
    staff.sign_in(organiser.email, "correct horse battery")
    start = to_org(utcnow() + timedelta(hours=27)).replace(second=0, microsecond=0)
    staff.create("Events team" if lang == "en" else "线下活动组", start.strftime("%Y-%m-%dT%H:%M"),
                 (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    event = db.session.scalar(select(Event))
    assert event is not None and event.capacity == 10

    visitor = EventPages(new_page(javascript=False, locale="en-US" if lang == "en" else "zh-CN"), lang)
    visitor.page.goto(f"/events?lang={lang}")
    visitor.page.get_by_role("link", name="放映与讨论：沉默的镜头").click()
    expect(visitor.page.get_by_text("徐汇区某路 88 号")).to_have_count(0)  # the public page shows the area only
    visitor.reply(event.id, "小鹿", "deer@example.org")
    wait_for_mail()
    link = next(u for u in Inbox.links(inbox.last_to("deer@example.org")) if "/events/confirm/" in u)
    visitor.page.goto(urlsplit(link).path)
    visitor.page.get_by_role("button", name=visitor.t["confirm"]).click()
    expect(visitor.page.get_by_text(visitor.t["confirmed"])).to_be_visible()
    expect(visitor.page.get_by_text("徐汇区某路 88 号 2 楼")).to_be_visible()
    code = visitor.page.locator("strong.code").inner_text()

    wait_for_event_mail()
    assert "徐汇区某路 88 号 2 楼" in Inbox.text(inbox.last_to("deer@example.org"))
    # Four hours later, a day before: the worker's reminder goes once, however often it runs.
    events.send_due_mail(now=utcnow() + timedelta(hours=4))
    events.send_due_mail(now=utcnow() + timedelta(hours=4))
    wait_for_mail()
    reminders = [m for m in inbox.to("deer@example.org") if visitor.t["reminder"] in str(m["Subject"])]
    assert len(reminders) == 1
    assert "徐汇区某路 88 号 2 楼" in Inbox.text(reminders[0])

    staff.page.goto(f"/staff/events/{event.id}/check-in")
    staff.label("search_label").fill(code)
    staff.page.get_by_role("button", name=staff.t["search"]).click()
    staff.page.get_by_role("button", name=staff.t["check_in"], exact=False).first.click()
    expect(staff.page.get_by_text(staff.t["checked"], exact=True)).to_be_visible()
    assert db.session.scalar(select(Rsvp.checked_in_at)) is not None

    staff.page.goto("/reports/events")
    expect(staff.page.get_by_text("放映与讨论：沉默的镜头").first).to_be_attached()
    expect(staff.page.locator(".figure", has_text=staff.t["show_rate"])).to_contain_text("100")
