"""Who sees what: leads only their group, confidential groups only for members, leads and admins,
volunteers only their own things."""
from __future__ import annotations

from sqlalchemy import select

from campaign.extensions import db
from campaign.volunteers.models import Membership, Task
from tests.integration.volunteer_factories import (  # noqa: F401
    add_member,
    make_group,
    make_volunteer,
    volunteer_client,
)


def _task(group, *assignees, title="任务"):
    task = Task(group_id=group.id, title=title)
    task.assignees = list(assignees)
    db.session.add(task)
    db.session.commit()
    return task


def test_a_lead_cannot_read_or_change_another_group(app):
    """A lead of one group sees nothing of another group's members or tasks and cannot change them."""
    mine, theirs = make_group(), make_group()
    lead = make_volunteer()
    add_member(mine, lead, lead=True)
    other = make_volunteer(email="other-member@example.net", nickname="别组成员")
    add_member(theirs, other)
    their_task = _task(theirs, other, title="别组任务")
    client = volunteer_client(app, lead)
    assert client.get(f"/me/groups/{mine.id}").status_code == 200
    assert client.get(f"/me/groups/{theirs.id}").status_code == 404
    assert client.get(f"/me/tasks/{their_task.id}").status_code == 404
    assert client.post(f"/me/tasks/{their_task.id}/status", data={"status": "done"}).status_code == 404
    assert client.post(f"/me/tasks/{their_task.id}/comment", data={"body": "x"}).status_code == 404
    assert client.post(f"/me/groups/{theirs.id}/members/{other.id}/remove", data={}).status_code == 404
    assert client.post(f"/me/groups/{theirs.id}/tasks", data={"title": "x", "priority": "low"}).status_code == 404
    assert client.post(f"/me/groups/{mine.id}/members/{other.id}/remove", data={}).status_code == 404
    page = client.get(f"/me/groups/{mine.id}").get_data(as_text=True)
    assert "other-member@example.net" not in page and "别组成员" not in page
    db.session.refresh(their_task)
    assert their_task.status == "todo" and their_task.comments == []
    assert db.session.scalar(select(Membership).where(Membership.volunteer_id == other.id)) is not None


def test_a_lead_manages_their_own_group(app, inbox):
    """A lead sees their members' contact details, creates and assigns tasks, and removes members."""
    group = make_group()
    lead, member = make_volunteer(), make_volunteer(email="member@example.net", contact="signal.member")
    add_member(group, lead, lead=True)
    add_member(group, member)
    client = volunteer_client(app, lead)
    page = client.get(f"/me/groups/{group.id}").get_data(as_text=True)
    assert "member@example.net" in page and "signal.member" in page
    client.post(f"/me/groups/{group.id}/tasks", data={"title": "翻译新闻稿", "priority": "normal",
                                                      "assignees": [str(member.id)]})
    task = db.session.scalar(select(Task))
    assert task.assignees == [member]
    assert inbox.last_to("member@example.net")
    client.post(f"/me/groups/{group.id}/members/{member.id}/remove", data={"confirmed": "y"})
    assert db.session.scalar(select(Membership).where(Membership.volunteer_id == member.id)) is None


def test_a_member_who_is_not_lead_sees_no_members_or_board(app):
    """An ordinary member sees their own tasks in the group, not the others' details."""
    group = make_group()
    me, peer = make_volunteer(), make_volunteer(email="peer@example.net", nickname="同组伙伴")
    add_member(group, me)
    add_member(group, peer)
    peer_task = _task(group, peer, title="伙伴的任务")
    client = volunteer_client(app, me)
    page = client.get(f"/me/groups/{group.id}").get_data(as_text=True)
    assert "peer@example.net" not in page and "伙伴的任务" not in page
    assert client.get(f"/me/tasks/{peer_task.id}").status_code == 404
    assert client.post(f"/me/groups/{group.id}/invite", data={"email": "x@example.net"}).status_code == 404


def test_a_volunteer_sees_only_their_own_things(app):
    """My space lists my groups and tasks, never anyone else's."""
    group = make_group(name={"en": "Design"})
    me, other = make_volunteer(), make_volunteer()
    add_member(group, other)
    _task(group, other, title="别人的任务")
    page = volunteer_client(app, me).get("/me?lang=en").get_data(as_text=True)
    assert "Design" not in page and "别人的任务" not in page


def test_confidential_group_is_invisible_to_organisers_who_are_not_admins(login_as):
    """Organisers (not admins) see no trace of a confidential group: lists, ids, filters, volunteer pages, exports."""
    secret = make_group(name={"zh_Hans": "幸存者支持组", "en": "Survivor support"}, confidential=True)
    member = make_volunteer(nickname="支持者")
    add_member(secret, member)
    member.interests = [secret]  # even if it had been chosen somehow, it must not show
    db.session.commit()
    task = _task(secret, member, title="陪同报案")
    organiser = login_as("organiser")
    assert "Survivor support" not in organiser.get("/staff/groups?lang=en").get_data(as_text=True)
    assert organiser.get(f"/staff/groups/{secret.id}").status_code == 404
    assert organiser.get(f"/staff/groups/{secret.id}/edit").status_code == 404
    assert organiser.get(f"/staff/tasks/{task.id}").status_code == 404
    assert organiser.post(f"/staff/tasks/{task.id}/status", data={"status": "done"}).status_code == 404
    assert organiser.post(f"/staff/groups/{secret.id}/members/{member.id}/remove", data={}).status_code == 404
    listing = organiser.get(f"/staff/volunteers?group={secret.id}").get_data(as_text=True)
    assert "支持者" not in listing and "Survivor support" not in listing
    page = organiser.get(f"/staff/volunteers/{member.id}?lang=en").get_data(as_text=True)
    assert "Survivor support" not in page and "陪同报案" not in page
    export = organiser.post("/staff/volunteers/bulk", data={"ids": [str(member.id)], "action": "export"})
    assert "Survivor support" not in export.get_data(as_text=True)
    assert organiser.post(f"/staff/volunteers/{member.id}/invite", data={"group": str(secret.id)}).status_code == 302
    assert len(secret.memberships) == 1  # the forged invite did nothing


def test_admins_and_members_see_the_confidential_group(login_as, app):
    """Admins, and the group's own members, do see it."""
    secret = make_group(name={"zh_Hans": "法律研究组", "en": "Legal research"}, confidential=True)
    member = make_volunteer()
    add_member(secret, member)
    admin = login_as("admin")
    assert "Legal research" in admin.get("/staff/groups?lang=en").get_data(as_text=True)
    assert admin.get(f"/staff/groups/{secret.id}").status_code == 200
    assert "Legal research" in volunteer_client(app, member).get("/me?lang=en").get_data(as_text=True)


def test_organisers_cannot_make_a_group_confidential(login_as):
    """Only admins create confidential groups (organisers could not see what they made)."""
    organiser = login_as("organiser")
    organiser.post("/staff/groups/new", data={"name-zh_Hans": "新组", "name-en": "New", "confidential": "y"})
    group = db.session.scalar(select(Membership.group.property.mapper.class_))
    assert group is not None and group.confidential is False


def test_caseworkers_and_the_public_see_no_review_pages(login_as, client):
    """The review pages are for organisers and admins only."""
    make_volunteer()
    assert login_as("caseworker").get("/staff/volunteers").status_code == 403
    assert client.get("/staff/volunteers").status_code == 302
    assert client.get("/me").status_code == 302


def test_a_lead_assigns_only_in_their_group_and_members_cannot_assign(app, inbox):
    """A lead reassigns their group's tasks (the new assignee is mailed); a plain member cannot."""
    group = make_group()
    lead, member, helper = make_volunteer(), make_volunteer(), make_volunteer()
    add_member(group, lead, lead=True)
    add_member(group, member)
    add_member(group, helper)
    task = _task(group, member, title="校对")
    assert volunteer_client(app, member).post(f"/me/tasks/{task.id}/assign",
                                              data={"assignees": [str(member.id), str(helper.id)]}).status_code == 404
    volunteer_client(app, lead).post(f"/me/tasks/{task.id}/assign", data={"assignees": [str(helper.id)]})
    db.session.refresh(task)
    assert task.assignees == [helper]
    assert inbox.last_to(helper.email)
