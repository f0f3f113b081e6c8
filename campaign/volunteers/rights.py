"""What the volunteers feature holds on an address, for the data-rights page."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campaign.extensions import db
from campaign.rights.registry import Holder, register
from campaign.volunteers.models import Volunteer
from campaign.volunteers.services import erase_in_transaction

_FIELDS = ("nickname", "email", "contact_kind", "contact", "region", "languages", "skills", "skills_other",
           "hours_per_week", "availability", "motivation", "consent_contact", "newsletter", "locale", "status",
           "created_at", "confirmed_at")


def _find(email: str) -> Volunteer | None:
    return db.session.scalar(select(Volunteer).where(Volunteer.email == email, Volunteer.erased_at.is_(None)))


def collect(email: str) -> list[dict[str, Any]]:
    volunteer = _find(email)
    if volunteer is None:
        return []
    record = {name: getattr(volunteer, name) for name in _FIELDS}
    record["groups"] = [m.group.name_en or m.group.name_zh for m in getattr(volunteer, "memberships", [])]
    return [record]


def erase(email: str) -> int:
    volunteer = _find(email)
    if volunteer is None:
        return 0
    erase_in_transaction(volunteer)
    return 1


register(Holder("volunteer", collect, erase))
