"""The newsletter audiences this feature owns: volunteers by status, members of a working group.

Each reaches the volunteers in it who agreed to be mailed (`Volunteer.mail_consent`, asked at
sign-up and changeable at /me/profile), subscribed to the newsletter or not, and the confirmed
subscribers among them. Nobody else: a volunteer who agreed to neither is never reached. The
one-click unsubscribe in such a mail withdraws the consent (`withdraw`). Both follow the
visibility policy (campaign/volunteers/visibility.py): a sender who may not see a confidential
group finds it in no menu and reaches none of its members, whatever value an issue stored.
"""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, select, update

from campaign.auth.models import User
from campaign.extensions import db
from campaign.features import Audience, ContactRows, Contacts
from campaign.newsletter.models import Subscriber
from campaign.volunteers import visibility
from campaign.volunteers.labels import STATUS_LABELS
from campaign.volunteers.models import Membership, Status, Volunteer


def _as_int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else -1


def _by_status(value: str | None, sender: User | None) -> Select[int]:
    if not visibility.is_campaign_staff(sender):
        return select(Subscriber.id).where(false())
    return select(Subscriber.id).join(Volunteer, Volunteer.email == Subscriber.email).where(Volunteer.status == value)


def _statuses(sender: User | None) -> list[tuple[str, str]]:
    return [(s.value, str(STATUS_LABELS[s])) for s in Status if s is not Status.BLOCKED]


def _group_members(value: str | None, sender: User | None) -> Select[int]:
    """Members of group `value`, if the sender may see that group; nobody otherwise."""
    return (
        select(Subscriber.id)
        .join(Volunteer, Volunteer.email == Subscriber.email)
        .join(Membership, Membership.volunteer_id == Volunteer.id)
        .where(Membership.group_id == _as_int(value), Membership.group_id.in_(visibility.managed_group_ids(sender)))
    )


def _groups(sender: User | None) -> list[tuple[str, str]]:
    if not visibility.is_campaign_staff(sender):
        return []
    return [(str(gid), name) for gid, name in visibility.group_options(sender, get_locale())]


def _mailable() -> ContactRows:
    """Confirmed volunteers who agreed to be mailed: (id, email, name, locale)."""
    return select(Volunteer.id, Volunteer.email, Volunteer.nickname.label("name"), Volunteer.locale).where(
        Volunteer.mail_consent.is_(True), Volunteer.email.is_not(None), Volunteer.erased_at.is_(None),
        Volunteer.confirmed_at.is_not(None), Volunteer.status != Status.BLOCKED.value,
    )


def _consenting_by_status(value: str | None, sender: User | None) -> ContactRows:
    if not visibility.is_campaign_staff(sender):
        return _mailable().where(false())
    return _mailable().where(Volunteer.status == value)


def _consenting_members(value: str | None, sender: User | None) -> ContactRows:
    return _mailable().join(Membership, Membership.volunteer_id == Volunteer.id).where(
        Membership.group_id == _as_int(value), Membership.group_id.in_(visibility.managed_group_ids(sender))
    )


def withdraw(volunteer_id: int) -> None:
    """The one-click unsubscribe in a mail to volunteers: no more such mail (caller commits)."""
    db.session.execute(
        update(Volunteer).where(Volunteer.id == volunteer_id).values(mail_consent=False),
        execution_options={"synchronize_session": False},
    )


BY_STATUS = Audience("volunteer-status", _l("Volunteers by status"), _by_status, choices=_statuses,
                     contacts=Contacts("volunteer", _consenting_by_status, withdraw))
GROUP_MEMBERS = Audience("volunteer-group", _l("Members of a working group"), _group_members, choices=_groups,
                         contacts=Contacts("volunteer", _consenting_members, withdraw))
