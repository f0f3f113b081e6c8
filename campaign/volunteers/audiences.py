"""The newsletter audiences this feature owns: volunteers by status, members of a working group.

They only narrow the list: the newsletter still sends to confirmed subscribers alone, so a
volunteer who did not opt in (or left) is never reached through them. Both follow the visibility
policy (campaign/volunteers/visibility.py): a sender who may not see a confidential group finds it
in no menu and reaches none of its members, whatever value an issue stored.
"""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, select

from campaign.auth.models import User
from campaign.features import Audience
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


BY_STATUS = Audience("volunteer-status", _l("Volunteers by status"), _by_status, choices=_statuses)
GROUP_MEMBERS = Audience("volunteer-group", _l("Members of a working group"), _group_members, choices=_groups)
