"""What a webhook delivery says about its subject, read when it is sent and limited by scopes.

A signature event without `signatures:read` tells only which petition and its new count; with it,
the signer's name and address as well. Subscriber and volunteer events need `people:read`.
A translated field is an object keyed by locale code, holding the languages written.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select

from campaign.content import written
from campaign.events.models import Event, EventStatus, Rsvp
from campaign.extensions import db
from campaign.newsletter.models import Subscriber, SubscriberStatus
from campaign.petitions.models import Petition, Signature, SignatureStatus
from campaign.volunteers.models import Status as VolunteerStatus
from campaign.volunteers.models import Volunteer


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def _int(subject_id: str) -> int | None:
    return int(subject_id) if subject_id.isdigit() else None


def signature(subject_id: str, scopes: frozenset[str]) -> dict[str, object] | None:
    ident = _int(subject_id)
    found = db.session.get(Signature, ident) if ident is not None else None
    if found is None or found.status != SignatureStatus.CONFIRMED.value:
        return None  # withdrawn since: nothing to announce
    petition = db.session.get(Petition, found.petition_id)
    if petition is None:
        return None
    data: dict[str, object] = {
        "petition": {"id": petition.id, "slug": petition.slug, "signature_count": petition.signature_count},
        "signature": {"id": found.id, "confirmed_at": iso(found.confirmed_at)},
    }
    if "signatures:read" in scopes:
        data["signature"] = {**signature_fields(found)}
    return data


def signature_fields(found: Signature) -> dict[str, object]:
    return {
        "id": found.id, "petition_id": found.petition_id, "email": found.email, "name": found.name,
        "region": found.region, "comment": found.comment, "display": found.display,
        "newsletter": found.newsletter, "source": found.src, "hidden": found.hidden,
        "confirmed_at": iso(found.confirmed_at),
    }


def subscriber_fields(found: Subscriber) -> dict[str, object]:
    return {
        "id": found.id, "email": found.email, "name": found.name, "locale": found.locale,
        "topics": [t for t in found.topics.split(",") if t], "confirmed_at": iso(found.confirmed_at),
    }


def subscriber(subject_id: str, scopes: frozenset[str]) -> dict[str, object] | None:
    ident = _int(subject_id)
    found = db.session.get(Subscriber, ident) if ident is not None else None
    if found is None or found.status != SubscriberStatus.CONFIRMED.value or "people:read" not in scopes:
        return None
    return {"subscriber": subscriber_fields(found)}


def subscriber_left(subject_id: str, scopes: frozenset[str]) -> dict[str, object] | None:
    # Only the id: someone who left has withdrawn consent; the receiver removes its copy by id.
    return {"subscriber": {"id": _int(subject_id)}} if "people:read" in scopes else None


def volunteer_fields(found: Volunteer) -> dict[str, object]:
    return {
        "id": found.id, "email": found.email, "nickname": found.nickname, "region": found.region,
        "languages": [t for t in found.languages.split(",") if t],
        "skills": [t for t in found.skills.split(",") if t],
        "status": found.status, "confirmed_at": iso(found.confirmed_at),
    }


# Staff blocked them, or they left: nothing of ours contacts them, and no partner hears of them.
_WITHHELD = (VolunteerStatus.BLOCKED.value, VolunteerStatus.LEFT.value)


def shared_volunteers() -> tuple[ColumnElement[bool], ...]:
    """Which volunteers a partner may see: confirmed, agreed to be contacted, neither erased,
    blocked nor gone."""
    return (Volunteer.confirmed_at.is_not(None), Volunteer.consent_contact.is_(True),
            Volunteer.erased_at.is_(None), Volunteer.status.not_in(_WITHHELD))


def volunteer(subject_id: str, scopes: frozenset[str]) -> dict[str, object] | None:
    ident = _int(subject_id)
    if ident is None or "people:read" not in scopes:
        return None
    found = db.session.scalar(select(Volunteer).where(Volunteer.id == ident, *shared_volunteers()))
    return {"volunteer": volunteer_fields(found)} if found is not None else None


def event_fields(found: Event) -> dict[str, object]:
    """What anyone may know of an event: never the exact place, which only attendees get."""
    return {
        "id": found.id, "status": found.status,
        "title": written(found.title), "area": written(found.area), "online": found.online,
        "start_date": iso(found.starts_at), "end_date": iso(found.ends_at),
        "capacity": found.capacity, "confirmed_count": found.confirmed_count,
        "rsvp_count": found.rsvp_count, "checked_in_count": found.checked_in_count,
        "walk_in_count": found.walk_in_count, "modified_at": iso(found.updated_at),
    }


def rsvp_fields(found: Rsvp) -> dict[str, object]:
    """An attendee as a partner may see them: the answers to the organiser's questions (access
    needs, say) stay here."""
    return {
        "id": found.id, "event_id": found.event_id, "nickname": found.nickname, "email": found.email,
        "status": found.status, "follow_up": found.follow_up, "confirmed_at": iso(found.confirmed_at),
        "checked_in": found.checked_in_at is not None,
    }


def public_event(event_id: int) -> Event | None:
    """A published or cancelled event of a group that is not confidential."""
    from campaign.volunteers.models import WorkingGroup

    found = db.session.get(Event, event_id)
    if found is None or found.status == EventStatus.DRAFT.value:
        return None
    group = db.session.get(WorkingGroup, found.group_id)
    return found if group is not None and not group.confidential else None


def rsvp(subject_id: str, scopes: frozenset[str]) -> dict[str, object] | None:
    ident = _int(subject_id)
    found = db.session.get(Rsvp, ident) if ident is not None else None
    event = public_event(found.event_id) if found is not None else None
    if found is None or event is None:
        return None  # cancelled since, or an event of a confidential group: nothing to announce
    data: dict[str, object] = {"event": event_fields(event), "rsvp": {"id": found.id, "status": found.status}}
    if "rsvps:read" in scopes:
        data["rsvp"] = rsvp_fields(found)
    return data


def rsvp_cancelled(subject_id: str, scopes: frozenset[str]) -> dict[str, object] | None:
    # Only the id: the receiver removes its copy.
    return {"rsvp": {"id": _int(subject_id)}} if "rsvps:read" in scopes else None
