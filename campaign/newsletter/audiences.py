"""Segments for the petitions and volunteers features, registered with the newsletter's registry.

They only narrow the list: the newsletter still sends to confirmed subscribers alone, so a signer
or volunteer who did not opt in (or left) is never reached through them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from campaign.extensions import db
from campaign.newsletter.models import Subscriber
from campaign.newsletter.segments import register_segment
from campaign.petitions.models import Petition, Signature, SignatureStatus
from campaign.volunteers.models import Membership, Status, Volunteer, WorkingGroup


def _as_int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else -1


def _petition_signers(value: str | None) -> Select[tuple[int]]:
    """Subscribers who signed petition `value`, confirmed their signature and opted in there."""
    return select(Subscriber.id).join(Signature, Signature.email == Subscriber.email).where(
        Signature.petition_id == _as_int(value),
        Signature.status == SignatureStatus.CONFIRMED.value,
        Signature.newsletter.is_(True),
    )


def _petitions() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Petition.id, Petition.title_zh).order_by(Petition.id.desc())).all()
    return [(str(pid), title) for pid, title in rows]


def _volunteers_by_status(value: str | None) -> Select[tuple[int]]:
    return select(Subscriber.id).join(Volunteer, Volunteer.email == Subscriber.email).where(Volunteer.status == value)


def _volunteer_statuses() -> list[tuple[str, str]]:
    return [(s.value, s.value) for s in Status if s is not Status.BLOCKED]


def _group_members(value: str | None) -> Select[tuple[int]]:
    return (
        select(Subscriber.id)
        .join(Volunteer, Volunteer.email == Subscriber.email)
        .join(Membership, Membership.volunteer_id == Volunteer.id)
        .where(Membership.group_id == _as_int(value))
    )


def _groups() -> list[tuple[str, str]]:
    rows = db.session.execute(select(WorkingGroup.id, WorkingGroup.name_zh).order_by(WorkingGroup.name_zh)).all()
    return [(str(gid), name) for gid, name in rows]


register_segment("petition", _l("Signers of a petition"), _petition_signers, choices=_petitions)
register_segment("volunteer-status", _l("Volunteers by status"), _volunteers_by_status, choices=_volunteer_statuses)
register_segment("volunteer-group", _l("Members of a working group"), _group_members, choices=_groups)
