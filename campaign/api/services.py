"""What the API's resources read and write. Calls that touch personal data are audit-logged with
the key's id (the audit entry commits in the same transaction as the answer's reads)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from campaign.api.models import ApiKey
from campaign.api.pagination import MAX_ID, Page, page
from campaign.api.payloads import (
    event_fields,
    iso,
    public_event,
    rsvp_fields,
    shared_volunteers,
    signature_fields,
    subscriber_fields,
    volunteer_fields,
)
from campaign.audit import services as audit
from campaign.content import written
from campaign.events.models import Event, EventStatus, Rsvp, RsvpStatus
from campaign.extensions import db
from campaign.i18n import locale_code
from campaign.links import absolute_url
from campaign.newsletter.models import Issue, IssueStatus, Subscriber, SubscriberStatus
from campaign.petitions import services as petitions
from campaign.petitions.models import Petition, PetitionStatus, Signature, SignatureStatus
from campaign.volunteers.models import Volunteer, WorkingGroup


class NotFound(Exception):
    """No such record is published through the API."""


class AlreadySigned(Exception):
    """A trusted import names an address that signed this petition already."""


class Closed(Exception):
    """The petition does not take signatures now."""


def log_personal(key: ApiKey, what: str, count: int) -> None:
    """Audit a call that read or wrote personal data: which key, what, how many records."""
    audit.record(None, "api.personal_data", "api_key", key.id, detail=f"{what}: {count}")
    db.session.commit()


# --- petitions ----------------------------------------------------------------------------------


def petition_fields(petition: Petition) -> dict[str, Any]:
    return {
        "id": petition.id, "slug": petition.slug, "status": petition.status,
        "title": written(petition.title), "summary": written(petition.summary),
        "target": written(petition.target), "goal": petition.goal,
        "signature_count": petition.signature_count, "closes_on": petition.closes_on,
        "url": absolute_url("petitions.show", slug=petition.slug), "modified_at": iso(petition.updated_at),
    }


_PUBLISHED = Petition.status != PetitionStatus.DRAFT.value


def list_petitions(args: dict[str, Any]) -> Page:
    """Published petitions (open or closed) with their confirmed counts."""
    stmt = select(Petition, Petition.updated_at).where(_PUBLISHED)
    return page(stmt, Petition.updated_at, Petition.id, args, petition_fields)


def get_petition(petition_id: int) -> Petition:
    if not 0 < petition_id <= MAX_ID:
        raise NotFound()
    petition = db.session.get(Petition, petition_id)
    if petition is None or petition.status == PetitionStatus.DRAFT.value:
        raise NotFound()
    return petition


def list_signatures(key: ApiKey, petition_id: int, args: dict[str, Any]) -> Page:
    """A petition's confirmed signatures (pending ones have not consented yet)."""
    get_petition(petition_id)
    stmt = select(Signature, Signature.confirmed_at).where(
        Signature.petition_id == petition_id, Signature.status == SignatureStatus.CONFIRMED.value)
    found = page(stmt, Signature.confirmed_at, Signature.id, args, signature_fields)  # type: ignore[arg-type]
    log_personal(key, f"petition {petition_id} signatures read", len(found.items))
    return found


def add_signature(key: ApiKey, petition_id: int, fields: dict[str, Any], trusted: bool) -> int | None:
    """A new signature. Untrusted: pending, counted once its signer confirms by the mailed link
    (the usual mail, within the per-address daily cap); returns None, and says nothing about
    whether the address had signed already. Trusted (signatures:import): confirmed and counted at
    once; returns its id."""
    petition = get_petition(petition_id)
    try:
        ident = petitions.sign(
            petition.slug, email=fields["email"], name=fields["name"], region=fields["region"],
            comment=fields["comment"], display=fields["display"], newsletter=fields["newsletter"],
            locale=locale_code(fields["locale"]), src="", send_mail=not trusted,
        )
    except petitions.AlreadySigned:
        if trusted:
            raise AlreadySigned() from None
        log_personal(key, f"petition {petition_id} signature added", 1)
        return None
    except petitions.PetitionClosed:
        raise Closed() from None
    except petitions.PetitionNotFound:
        raise NotFound() from None
    if trusted:
        signature = db.session.get(Signature, ident)
        if signature is not None:
            petitions.confirm(signature)
        log_personal(key, f"petition {petition_id} signature imported", 1)
        return ident
    log_personal(key, f"petition {petition_id} signature added", 1)
    return None


# --- people -------------------------------------------------------------------------------------


def list_subscribers(key: ApiKey, args: dict[str, Any]) -> Page:
    """Confirmed newsletter subscribers (who opted in and have not left)."""
    modified = func.coalesce(Subscriber.confirmed_at, Subscriber.created_at)
    stmt = select(Subscriber, modified).where(Subscriber.status == SubscriberStatus.CONFIRMED.value)
    found = page(stmt, modified, Subscriber.id, args, subscriber_fields)
    log_personal(key, "subscribers read", len(found.items))
    return found


def list_volunteers(key: ApiKey, args: dict[str, Any]) -> Page:
    """Volunteers a partner may see (payloads.shared_volunteers); never their working groups."""
    stmt = select(Volunteer, Volunteer.updated_at).where(*shared_volunteers())
    found = page(stmt, Volunteer.updated_at, Volunteer.id, args, volunteer_fields)
    log_personal(key, "volunteers read", len(found.items))
    return found


# --- newsletter archive -------------------------------------------------------------------------


def issue_fields(issue: Issue) -> dict[str, Any]:
    return {
        "id": issue.id, "subject": written(issue.subject),
        "sent_at": iso(issue.finished_at), "url": absolute_url("newsletter.archive_issue", issue_id=issue.id),
        "modified_at": iso(issue.updated_at),
    }


def list_issues(args: dict[str, Any]) -> Page:
    """Issues published in the public archive."""
    stmt = select(Issue, Issue.updated_at).where(Issue.published.is_(True), Issue.status == IssueStatus.SENT.value)
    return page(stmt, Issue.updated_at, Issue.id, args, issue_fields)



# --- events -------------------------------------------------------------------------------------


def list_events(args: dict[str, Any]) -> Page:
    """Published and cancelled events of groups that are not confidential, with their counts."""
    open_groups = select(WorkingGroup.id).where(WorkingGroup.confidential.is_(False))
    stmt = select(Event, Event.updated_at).where(Event.status != EventStatus.DRAFT.value,
                                                 Event.group_id.in_(open_groups))
    return page(stmt, Event.updated_at, Event.id, args, event_fields)


def get_event(event_id: int) -> Event:
    found = public_event(event_id) if 0 < event_id <= MAX_ID else None
    if found is None:
        raise NotFound()
    return found


def list_rsvps(key: ApiKey, event_id: int, args: dict[str, Any]) -> Page:
    """An event's confirmed replies (holding a place or waiting); pending ones have not consented."""
    get_event(event_id)
    stmt = select(Rsvp, Rsvp.confirmed_at).where(
        Rsvp.event_id == event_id, Rsvp.status.in_([RsvpStatus.CONFIRMED.value, RsvpStatus.WAITING.value]))
    found = page(stmt, Rsvp.confirmed_at, Rsvp.id, args, rsvp_fields)  # type: ignore[arg-type]
    log_personal(key, f"event {event_id} replies read", len(found.items))
    return found
