"""Pending invitations show where they are answered and followed: on the volunteer's own page
(accept or decline there, without the mail) and on the group's staff page (who, since when, mail
again or withdraw)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.timeutil import utcnow
from campaign.volunteers.models import Invitation, InvitationState, Membership
from tests.conftest import Inbox
from tests.integration.volunteer_factories import make_group, make_volunteer, volunteer_client


def _invite(organiser, person, group) -> Invitation:
    organiser.post(f"/staff/volunteers/{person.id}/invite", data={"group": str(group.id)})
    db.session.expire_all()
    return db.session.scalars(select(Invitation).where(Invitation.volunteer_id == person.id,
                                                        Invitation.group_id == group.id)).one()


def test_the_volunteer_accepts_an_invitation_from_their_own_page(app, login_as, inbox):
    organiser = login_as(Role.ORGANISER)
    person, group, other = make_volunteer(), make_group(name={"en": "Posters"}), make_group(name={"en": "Research"})
    invitation = _invite(organiser, person, group)
    declined = _invite(organiser, person, other)
    space = volunteer_client(app, person)
    me = space.get("/me?lang=en").text
    assert "Invitations waiting for you" in me and "Posters" in me and "Research" in me
    assert f'action="/me/invitations/{invitation.id}/accept"' in me

    landed = space.post(f"/me/invitations/{invitation.id}/accept", data={})
    assert landed.headers["Location"].endswith(f"/me/groups/{group.id}")
    assert db.session.scalar(select(Membership).where(
        Membership.volunteer_id == person.id, Membership.group_id == group.id)) is not None
    space.post(f"/me/invitations/{declined.id}/decline", data={})
    db.session.expire_all()
    assert db.session.get(Invitation, declined.id).state == InvitationState.DECLINED.value
    assert "Invitations waiting for you" not in space.get("/me?lang=en").text
    # The mailed links are spent too.
    link = Inbox.links(inbox.last_to(person.email))[0].split("127.0.0.1:5000", 1)[1]
    assert space.get(link).status_code == 400

    # Someone else's invitation cannot be answered from another space.
    stranger = make_volunteer()
    third = _invite(organiser, stranger, make_group())
    space.post(f"/me/invitations/{third.id}/accept", data={})
    db.session.expire_all()
    assert db.session.get(Invitation, third.id).state == InvitationState.PENDING.value


def test_the_group_page_lists_waiting_invitations_to_mail_again_or_withdraw(app, login_as, inbox):
    organiser = login_as(Role.ORGANISER)
    person, group = make_volunteer(nickname="阿青"), make_group()
    invitation = _invite(organiser, person, group)
    page = organiser.get(f"/staff/groups/{group.id}?lang=en").text
    section = page[page.index('id="invitations"'):page.index("Task board")]
    assert "阿青" in section and "Mail again" in section and "Withdraw" in section

    # Mailed less than a day ago: not again yet.
    organiser.post(f"/staff/groups/{group.id}/invitations/{invitation.id}/resend", data={})
    assert len(inbox.to(person.email)) == 1
    invitation.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    organiser.post(f"/staff/groups/{group.id}/invitations/{invitation.id}/resend", data={})
    assert len(inbox.to(person.email)) == 2

    # Withdrawing needs the box ticked; then the mailed links stop working.
    organiser.post(f"/staff/groups/{group.id}/invitations/{invitation.id}/withdraw", data={})
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).state == InvitationState.PENDING.value
    organiser.post(f"/staff/groups/{group.id}/invitations/{invitation.id}/withdraw", data={"confirmed": "y"})
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).state == InvitationState.WITHDRAWN.value
    link = Inbox.links(inbox.last_to(person.email))[0].split("127.0.0.1:5000", 1)[1]
    assert volunteer_client(app, person).get(link).status_code == 400
    assert "No invitation is waiting" in organiser.get(f"/staff/groups/{group.id}?lang=en").text
    assert "Group invitation withdrawn" in login_as(Role.ADMIN).get("/admin/audit?lang=en").text
