"""The newsletter audiences this feature owns: volunteers by status, members of a working group.

They only narrow the list: the newsletter still sends to confirmed subscribers alone, so a
volunteer who did not opt in (or left) is never reached through them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from campaign.extensions import db
from campaign.features import Audience
from campaign.newsletter.models import Subscriber
from campaign.volunteers.labels import STATUS_LABELS
from campaign.volunteers.models import Membership, Status, Volunteer, WorkingGroup


def _as_int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else -1


def _by_status(value: str | None) -> Select[int]:
    return select(Subscriber.id).join(Volunteer, Volunteer.email == Subscriber.email).where(Volunteer.status == value)


def _statuses() -> list[tuple[str, str]]:
    return [(s.value, str(STATUS_LABELS[s])) for s in Status if s is not Status.BLOCKED]


def _group_members(value: str | None) -> Select[int]:
    return (
        select(Subscriber.id)
        .join(Volunteer, Volunteer.email == Subscriber.email)
        .join(Membership, Membership.volunteer_id == Volunteer.id)
        .where(Membership.group_id == _as_int(value))
    )


def _groups() -> list[tuple[str, str]]:
    rows = db.session.execute(select(WorkingGroup.id, WorkingGroup.name_zh).order_by(WorkingGroup.name_zh)).all()
    return [(str(gid), name) for gid, name in rows]


BY_STATUS = Audience("volunteer-status", _l("Volunteers by status"), _by_status, choices=_statuses)
GROUP_MEMBERS = Audience("volunteer-group", _l("Members of a working group"), _group_members, choices=_groups)
