"""The volunteer's own space: magic-link sign-in, tasks, profile, leaving a group and erasing data."""
from __future__ import annotations

import time

import itsdangerous.timed
from sqlalchemy import select

from campaign import tokens
from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.volunteers import services
from campaign.volunteers.models import Membership, Task, TaskComment, Volunteer
from tests.conftest import Inbox
from tests.integration.volunteer_factories import (  # noqa: F401
    add_member,
    make_group,
    make_volunteer,
    volunteer_client,
)


def _path(link: str) -> str:
    return link.split("127.0.0.1:5000", 1)[1]


def test_magic_link_signs_in_once(client, inbox):
    """The mailed link opens the space once; a second use is refused."""
    person = make_volunteer()
    client.post("/volunteer/signin", data={"email": person.email.upper()})
    link = _path(Inbox.links(inbox.last_to(person.email))[0])
    assert client.get(link).status_code == 200  # a mail scanner's GET signs nobody in
    assert client.get("/me").status_code == 302
    assert client.post(link, data={}).headers["Location"].endswith("/me")
    assert client.get("/me").status_code == 200
    replay = client.post(link, data={})
    assert replay.status_code == 400 and "already used" in client.post(link + "?lang=en", data={}).get_data(
        as_text=True
    )


def test_same_answer_whether_or_not_the_address_is_known(client, inbox):
    """The sign-in form does not reveal who volunteers; only a known, confirmed address gets mail."""
    person = make_volunteer()
    unconfirmed = make_volunteer(confirmed_at=None)
    known = client.post("/volunteer/signin", data={"email": person.email}).get_data(as_text=True)
    unknown = client.post("/volunteer/signin", data={"email": "nobody@example.net"}).get_data(as_text=True)
    pending = client.post("/volunteer/signin", data={"email": unconfirmed.email}).get_data(as_text=True)
    assert known == unknown == pending
    assert [str(m["To"]) for m in inbox.messages] == [person.email]


def test_magic_link_expires_after_15_minutes(client, monkeypatch):
    """A sign-in link older than 15 minutes no longer works."""
    person = make_volunteer()
    real = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - 16 * 60)
    token = tokens.make(services.SIGNIN_PURPOSE, person.id, services._signin_state(person))  # noqa: SLF001
    monkeypatch.setattr(itsdangerous.timed.time, "time", real)
    response = client.post(f"/volunteer/signin/{token}", data={})
    assert response.status_code == 400


def test_sign_in_is_rate_limited(app, client, inbox):
    """Asking for links over and over is refused after a few tries."""
    app.config["PUBLIC_FORM_PER_MINUTE"] = 5  # the flood ceiling (120 by default), lowered to test it
    # Twelve tries: even if a minute boundary splits them, one window holds six, one over the limit.
    codes = [client.post("/volunteer/signin", data={"email": f"x{i}@example.net"}).status_code for i in range(12)]
    assert codes[0] == 200 and 429 in codes


def test_assignee_changes_status_and_comments(app, login_as):
    """A volunteer moves their task and comments on it; the organiser sees both and the history."""
    group = make_group()
    person = make_volunteer(nickname="阿珍")
    add_member(group, person)
    task = Task(group_id=group.id, title="核对举报链接")
    task.assignees = [person]
    db.session.add(task)
    db.session.commit()
    space = volunteer_client(app, person)
    assert "核对举报链接" in space.get("/me").get_data(as_text=True)
    space.post(f"/me/tasks/{task.id}/status", data={"status": "done"})
    space.post(f"/me/tasks/{task.id}/comment", data={"body": "已完成 <b>全部</b>"})
    page = login_as("organiser").get(f"/staff/tasks/{task.id}").get_data(as_text=True)
    assert "已完成 &lt;b&gt;全部&lt;/b&gt;" in page and "阿珍" in page
    db.session.refresh(task)
    assert task.status == "done"


def test_profile_update_and_leaving_a_group(app):
    """A volunteer edits their profile and availability and can leave a group."""
    group = make_group()
    person = make_volunteer()
    add_member(group, person)
    space = volunteer_client(app, person)
    space.post("/me/profile", data={"nickname": "新名字", "hours_per_week": "6", "availability": "周末",
                                    "skills": ["design"], "contact_kind": "telegram", "contact": "@new"})
    db.session.refresh(person)
    assert (person.nickname, person.hours_per_week, person.availability) == ("新名字", 6, "周末")
    space.post(f"/me/groups/{group.id}/leave", data={})
    assert db.session.scalar(select(Membership)) is None


def test_delete_my_data_keeps_the_work_as_former_volunteer(app, login_as):
    """Erasing removes personal fields and access, but the tasks done stay, credited to a former volunteer."""
    group = make_group()
    person = make_volunteer(nickname="小雨", email="rain@example.net", motivation="因为愤怒")
    add_member(group, person)
    task = Task(group_id=group.id, title="整理时间线", status="done")
    task.assignees = [person]
    db.session.add(task)
    db.session.add(TaskComment(task_id=1, author_volunteer_id=person.id, body="完成"))
    db.session.commit()
    space = volunteer_client(app, person)
    space.post("/me/delete", data={})
    erased = db.session.get(Volunteer, person.id)
    db.session.refresh(erased)
    assert erased.email is None and erased.nickname == "" and erased.motivation == "" and erased.contact == ""
    assert erased.erased_at is not None and erased.memberships == []
    assert space.get("/me").status_code == 302
    page = login_as("organiser").get(f"/staff/tasks/{task.id}?lang=en").get_data(as_text=True)
    assert "former volunteer" in page and "小雨" not in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "volunteer.erased")) is not None
    assert db.session.scalar(select(Task)).assignees == [erased]


def test_data_rights_page_finds_and_erases_the_volunteer_record(app):
    """The /my-data copy holds the volunteer's own answers (not staff notes), and its erasure removes them."""
    from campaign.rights import services as rights

    group = make_group(name={"en": "Translation"})
    person = make_volunteer(nickname="小满", email="xiaoman@example.net", tags="internal-tag", locale="en")
    add_member(group, person)
    copy = rights.collect("XiaoMan@example.net ")
    record = copy["volunteers"][0]
    assert record["nickname"] == "小满" and record["groups"] == ["Translation"]
    assert "internal-tag" not in str(copy)
    assert rights.erase("xiaoman@example.net")["volunteers"] == 1
    db.session.refresh(person)
    assert person.email is None and person.nickname == "" and person.memberships == []
    assert rights.collect("xiaoman@example.net") == {}


def test_a_traditional_chinese_member_sees_the_groups_traditional_name_or_the_marked_fallback(app):
    """The volunteer space shows a group's name and description in zh_Hant when written, else the
    Simplified text marked with its language."""
    person = make_volunteer()
    written = make_group(name={"zh_Hans": "翻译组", "zh_Hant": "翻譯組"})
    fallback = make_group(name={"zh_Hans": "设计组"}, description={"zh_Hans": "制作海报"})
    add_member(written, person)
    add_member(fallback, person)
    space = volunteer_client(app, person)
    html = space.get("/me?lang=zh-Hant").get_data(as_text=True)
    assert ">翻譯組</a>" in html and '<span lang="zh-Hans">设计组</span>' in html
    page = space.get(f"/me/groups/{fallback.id}?lang=zh-Hant").get_data(as_text=True)
    assert '<h1><span lang="zh-Hans">设计组</span></h1>' in page and '<span lang="zh-Hans">制作海报</span>' in page
