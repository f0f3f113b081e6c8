"""A destructive action needs its "yes" box ticked, without JavaScript: the box is `required` in
the page and the server refuses the action without it, saying so and changing nothing."""
from __future__ import annotations

import re

from campaign.auth import services as auth
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.volunteers.models import Membership
from tests.integration.volunteer_factories import add_member, make_group, make_volunteer


def test_revoking_an_account_needs_the_box_ticked(app, login_as, make_user):
    admin = login_as(Role.ADMIN)
    target = make_user(Role.ORGANISER)
    page = admin.get(f"/admin/users/{target.id}?lang=en").text
    action = f'action="/admin/users/{target.id}/disable" class="confirm-action"'
    form = re.search(rf'<form method="post" {action}>.*?</form>', page, re.S).group(0)
    assert re.search(r'<input type="checkbox" name="confirmed" value="y" id="[^"]+" required>', form)
    assert "Yes, disable this account" in form and "<label for=" in form

    refused = admin.post(f"/admin/users/{target.id}/disable?lang=en", data={})
    assert refused.status_code == 302
    db.session.expire_all()
    assert auth.find_user(target.email).disabled_at is None
    assert "Nothing was done: tick the box" in admin.get(refused.headers["Location"]).text

    admin.post(f"/admin/users/{target.id}/disable", data={"confirmed": "y"})
    db.session.expire_all()
    assert auth.find_user(target.email).disabled_at is not None


def test_removing_a_group_member_needs_the_box_ticked(app, login_as):
    organiser = login_as(Role.ORGANISER)
    group = make_group()
    person = make_volunteer()
    add_member(group, person)
    page = organiser.get(f"/staff/groups/{group.id}?lang=en").text
    assert f'action="/staff/groups/{group.id}/members/{person.id}/remove" class="confirm-action"' in page
    organiser.post(f"/staff/groups/{group.id}/members/{person.id}/remove", data={})
    assert _member(group, person)
    organiser.post(f"/staff/groups/{group.id}/members/{person.id}/remove", data={"confirmed": "y"})
    assert not _member(group, person)


def _member(group, person) -> bool:
    db.session.expire_all()
    return db.session.scalar(db.select(Membership).where(
        Membership.group_id == group.id, Membership.volunteer_id == person.id)) is not None


def test_blocking_a_volunteer_needs_the_box_ticked(app, login_as):
    organiser = login_as(Role.ORGANISER)
    person = make_volunteer()
    refused = organiser.post(f"/staff/volunteers/{person.id}/status?lang=en", data={"status": "blocked"})
    db.session.expire_all()
    assert db.session.get(type(person), person.id).status != "blocked"
    assert "Nothing was done: tick the box to confirm the block." in organiser.get(refused.headers["Location"]).text
    organiser.post(f"/staff/volunteers/{person.id}/status", data={"status": "blocked", "confirmed": "y"})
    db.session.expire_all()
    assert db.session.get(type(person), person.id).status == "blocked"
