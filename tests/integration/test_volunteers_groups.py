"""Working groups: invitations by mailed links, reminders, size limits, tasks, notifications and digests."""
from __future__ import annotations

import time
from datetime import timedelta

import itsdangerous.timed
from sqlalchemy import select, update

from campaign import worker
from campaign.extensions import db
from campaign.markup import render_markdown
from campaign.timeutil import utcnow
from campaign.volunteers import work
from campaign.volunteers.models import Invitation, Membership, Priority, Task
from tests.conftest import Inbox, deliver_now
from tests.integration.volunteer_factories import (  # noqa: F401
    add_member,
    make_group,
    make_volunteer,
)


def _path(link: str) -> str:
    return link.split("127.0.0.1:5000", 1)[1]


def _invite(organiser, person, group) -> None:
    response = organiser.post(f"/staff/volunteers/{person.id}/invite", data={"group": str(group.id)})
    assert response.status_code == 302


def test_invitation_accept_makes_a_member_and_the_link_is_single_use(client, login_as, inbox):
    """Accepting through the mailed link makes the volunteer a member (status active); the link then stops working."""
    person = make_volunteer(status="vetted")
    group = make_group(name={"en": "Translation"})
    _invite(login_as("organiser"), person, group)
    db.session.refresh(person)
    assert person.status == "invited"
    accept, decline = (_path(link) for link in Inbox.links(inbox.last_to(person.email))[:2])
    assert "accept" in accept and "decline" in decline
    assert client.get(accept).status_code == 200
    assert client.post(accept, data={}).status_code == 200
    assert db.session.scalar(select(Membership).where(Membership.volunteer_id == person.id)) is not None
    db.session.refresh(person)
    assert person.status == "active"
    assert client.post(accept, data={}).status_code == 400
    assert client.post(decline, data={}).status_code == 400


def test_decline_is_recorded(client, login_as, inbox):
    """Declining is recorded and makes nobody a member."""
    person = make_volunteer()
    group = make_group()
    _invite(login_as("organiser"), person, group)
    decline = _path(Inbox.links(inbox.last_to(person.email))[1])
    client.post(decline, data={})
    invitation = db.session.scalar(select(Invitation))
    assert invitation.state == "declined" and invitation.responded_at is not None
    assert db.session.scalars(select(Membership)).all() == []


def test_confidential_group_name_stays_out_of_the_invitation_mail(login_as, inbox):
    """Mail can be read by others: an invitation to a confidential group does not name it."""
    person = make_volunteer(vetted=True)
    group = make_group(name={"zh_Hans": "幸存者支持组", "en": "Survivor support"}, confidential=True)
    _invite(login_as("admin"), person, group)
    message = inbox.last_to(person.email)
    assert "Survivor support" not in Inbox.text(message) and "幸存者支持组" not in Inbox.text(message)


def test_one_reminder_after_the_configured_days(app, login_as, inbox):
    """An unanswered invitation gets exactly one reminder once INVITE_REMINDER_DAYS have passed."""
    person = make_volunteer()
    group = make_group()
    _invite(login_as("organiser"), person, group)
    inbox.clear()
    assert worker.run_once(app, {"volunteers.invite_reminders"}) == 0
    days = app.config["INVITE_REMINDER_DAYS"]
    db.session.execute(update(Invitation).values(created_at=utcnow() - timedelta(days=days, minutes=1)))
    db.session.commit()
    assert worker.run_once(app, {"volunteers.invite_reminders"}) == 1
    assert worker.run_once(app, {"volunteers.invite_reminders"}) == 0
    deliver_now(app)
    assert len(inbox.to(person.email)) == 1
    assert Inbox.links(inbox.last_to(person.email))


def test_size_limit_is_enforced(client, login_as, inbox):
    """A full group takes no new member, by invitation or by accepting an older one."""
    group = make_group(size_limit=1)
    first, second = make_volunteer(), make_volunteer()
    organiser = login_as("organiser")
    _invite(organiser, first, group)
    _invite(organiser, second, group)
    client.post(_path(Inbox.links(inbox.last_to(first.email))[0]), data={})
    assert client.post(_path(Inbox.links(inbox.last_to(second.email))[0]), data={}).status_code == 400
    third = make_volunteer()
    _invite(organiser, third, group)
    assert inbox.to(third.email) == []
    assert len(db.session.scalars(select(Membership)).all()) == 1


def _new_task(organiser, group, assignee, **extra):
    data = {"title": "整理频道举报清单", "description": "见 **共享文档**", "priority": "high",
            "due_on": (utcnow().date() + timedelta(days=1)).isoformat(), "assignees": [str(assignee.id)], **extra}
    return organiser.post(f"/staff/groups/{group.id}/tasks", data=data)


def test_assignment_mail_and_content_free_groups(login_as, inbox):
    """Assignees get a mail; a content-free group's mail says only that there is a task, with a link."""
    plain = make_group()
    quiet = make_group(content_free=True)
    person = make_volunteer()
    add_member(plain, person)
    add_member(quiet, person)
    organiser = login_as("organiser")
    _new_task(organiser, plain, person)
    assert "整理频道举报清单" in Inbox.text(inbox.last_to(person.email))
    inbox.clear()
    _new_task(organiser, quiet, person, title="秘密任务标题")
    message = inbox.last_to(person.email)
    assert "秘密任务标题" not in Inbox.text(message) and "秘密任务标题" not in str(message["Subject"])
    assert "/me/tasks/" in Inbox.text(message)


def test_only_members_can_be_assigned(login_as, make_user):
    """A task cannot be handed to someone outside the group, by the form or by the service."""
    group = make_group()
    outsider = make_volunteer()
    _new_task(login_as("organiser"), group, outsider)
    assert db.session.scalar(select(Task)) is None  # the form refuses a choice it did not offer
    task = work.create_task(make_user("organiser"), group, "t", "", None, Priority.LOW, [outsider.id])
    assert task.assignees == []


def test_confidential_groups_use_content_free_mail_by_default(login_as):
    """A group created as confidential starts with content-free notifications."""
    admin = login_as("admin")
    admin.post("/staff/groups/new", data={"name-zh_Hans": "法律研究", "name-en": "Legal research", "confidential": "y"})
    admin.post("/staff/groups/new", data={"name-zh_Hans": "翻译", "name-en": "Translation"})
    groups = {g.name["en"]: g for g in work.db.session.scalars(select(work.WorkingGroup))}
    assert groups["Legal research"].content_free and not groups["Translation"].content_free


def test_board_moves_cards_without_javascript(login_as):
    """Each card carries plain form buttons that move it to another column."""
    group = make_group()
    person = make_volunteer()
    add_member(group, person)
    organiser = login_as("organiser")
    _new_task(organiser, group, person)
    task = db.session.scalar(select(Task))
    board = organiser.get(f"/staff/groups/{group.id}").get_data(as_text=True)
    assert f'action="/staff/tasks/{task.id}/status"' in board and 'value="done"' in board
    response = organiser.post(f"/staff/tasks/{task.id}/status", data={"status": "in_progress", "back": "board"})
    assert response.headers["Location"].endswith(f"/staff/groups/{group.id}")
    db.session.refresh(task)
    assert task.status == "in_progress"
    assert [e.kind for e in task.events] == ["created", "status"]


def test_markdown_is_sanitised():
    """Task descriptions render Markdown but never scripts, handlers or javascript: links."""
    html = render_markdown("**ok** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    assert "<strong>ok</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_daily_digest_only_to_those_with_tasks_due(app, login_as, inbox):
    """The digest goes once a day, only to volunteers with open tasks due soon or overdue."""
    group = make_group()
    busy, idle, later = make_volunteer(), make_volunteer(), make_volunteer()
    for person in (busy, idle, later):
        add_member(group, person)
    organiser = login_as("organiser")
    _new_task(organiser, group, busy, due_on=(utcnow().date() - timedelta(days=3)).isoformat())
    _new_task(organiser, group, later, due_on=(utcnow().date() + timedelta(days=30)).isoformat())
    inbox.clear()
    assert worker.run_once(app, {"volunteers.task_digest"}) == 1
    assert worker.run_once(app, {"volunteers.task_digest"}) == 0
    deliver_now(app)
    assert [str(m["To"]) for m in inbox.messages] == [busy.email]
    assert "整理频道举报清单" in Inbox.text(inbox.messages[0])


def test_invitation_links_expire(client, login_as, inbox, monkeypatch):
    """An invitation answered after INVITE_DAYS is refused and makes nobody a member."""
    person = make_volunteer()
    group = make_group()
    real = time.time
    days = client.application.config["INVITE_DAYS"]
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - (days + 1) * 86400)
    _invite(login_as("organiser"), person, group)
    monkeypatch.setattr(itsdangerous.timed.time, "time", real)
    accept = _path(Inbox.links(inbox.last_to(person.email))[0])
    assert client.post(accept, data={}).status_code == 400
    assert db.session.scalars(select(Membership)).all() == []


def test_digest_for_content_free_groups_has_no_titles(app, login_as, inbox):
    """A content-free group's tasks appear in the digest as "a task" with a link, never by title."""
    group = make_group(content_free=True)
    person = make_volunteer()
    add_member(group, person)
    _new_task(login_as("organiser"), group, person, title="陪同报案安排")
    inbox.clear()
    assert worker.run_once(app, {"volunteers.task_digest"}) == 1
    deliver_now(app)
    text = Inbox.text(inbox.last_to(person.email))
    assert "陪同报案安排" not in text and "/me/tasks/" in text


def test_group_editor_has_a_fieldset_per_language_and_the_list_flags_what_is_missing(login_as):
    """A group's name and description are written per configured language; gaps are flagged."""
    admin = login_as("admin")
    group = make_group(name={"zh_Hans": "翻译组", "zh_Hant": "翻譯組", "en": ""})
    html = admin.get(f"/staff/groups/{group.id}/edit?lang=en").get_data(as_text=True)
    assert html.count('<fieldset class="card translated">') == 3 and 'value="翻譯組"' in html
    assert "Not translated yet" in html.split('<span lang="en">English</span>', 1)[1].split("</legend>", 1)[0]
    assert "Not translated: English" in admin.get("/staff/groups?lang=en").get_data(as_text=True)
    admin.post(f"/staff/groups/{group.id}/edit",
               data={"name-zh_Hans": "翻译组", "name-zh_Hant": "", "name-en": "Translation"})
    db.session.refresh(group)
    assert group.name == {"zh_Hans": "翻译组", "en": "Translation"}
