"""The resources under /api/v1/ (OSDI names where they fit). Views stay thin: arguments are
validated by their schema, a service does the work, errors become JSON with a code and message."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, Conflict, NotFound, UnprocessableEntity

from campaign.access import api
from campaign.api import scopes, services
from campaign.api.guard import current_key
from campaign.api.pagination import BadCursor, Page
from campaign.api.parsing import ApiBlueprint
from campaign.api.payloads import event_fields
from campaign.api.schemas import (
    EventOut,
    EventPage,
    IssuePage,
    ListArgs,
    PetitionOut,
    PetitionPage,
    RsvpPage,
    SignatureAccepted,
    SignatureIn,
    SignaturePage,
    SubscriberPage,
    VolunteerPage,
)
from campaign.errors import api_refusal

v1 = ApiBlueprint("api_v1", __name__, url_prefix="/api/v1",
               description="Petitions, signatures, people, events and the newsletter archive.")

_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]


def _listed(found: Page, endpoint: str, **values: Any) -> dict[str, Any]:
    links: dict[str, Any] = {"next": None}
    if found.next_cursor:
        query = {k: v for k, v in request.args.items() if k != "cursor"}
        links["next"] = {"href": url_for(endpoint, **values, **query, cursor=found.next_cursor, _external=True)}
    return {"items": found.items, "next_cursor": found.next_cursor, "_links": links}


def _paged(call: Any, *args: Any) -> Page:
    try:
        result: Page = call(*args)
    except BadCursor:
        api_refusal(BadRequest, "invalid_cursor",
                    _l("The cursor is not valid: use next_cursor from the previous page."))
    except services.NotFound:
        api_refusal(NotFound, "not_found", _l("There is no such record."))
    return result


@v1.route("/petitions")
@api(scopes.PETITIONS_READ)
@v1.arguments(ListArgs, location="query")
@v1.response(200, PetitionPage)
@v1.doc(security=_SECURITY)
def petitions(args: dict[str, Any]) -> dict[str, Any]:
    """Published petitions with their confirmed signature counts."""
    return _listed(_paged(services.list_petitions, args), "api_v1.petitions")


@v1.route("/petitions/<int:petition_id>")
@api(scopes.PETITIONS_READ)
@v1.response(200, PetitionOut)
@v1.doc(security=_SECURITY)
def petition(petition_id: int) -> dict[str, Any]:
    """One petition with its confirmed signature count."""
    try:
        return services.petition_fields(services.get_petition(petition_id))
    except services.NotFound:
        api_refusal(NotFound, "not_found", _l("There is no such record."))


@v1.route("/petitions/<int:petition_id>/signatures")
@api(scopes.SIGNATURES_READ)
@v1.arguments(ListArgs, location="query")
@v1.response(200, SignaturePage)
@v1.doc(security=_SECURITY)
def signatures(args: dict[str, Any], petition_id: int) -> dict[str, Any]:
    """A petition's confirmed signatures, with names and addresses (audit-logged)."""
    found = _paged(services.list_signatures, current_key(), petition_id, args)
    return _listed(found, "api_v1.signatures", petition_id=petition_id)


@v1.route("/petitions/<int:petition_id>/signatures", methods=["POST"], endpoint="add_signature")
@api(scopes.SIGNATURES_WRITE)
@v1.arguments(SignatureIn, location="json")
@v1.response(202, SignatureAccepted)
@v1.alt_response(201, schema=SignatureAccepted, description="Imported and counted (signatures:import).")
@v1.alt_response(409, response="DEFAULT_ERROR")  # not open, or an import's address signed already
@v1.doc(security=_SECURITY)
def add_signature(fields: dict[str, Any], petition_id: int) -> tuple[dict[str, Any], int]:
    """Add a signature. It counts once the signer confirms by the mailed link (202), unless
    `confirmed` is true and the key holds signatures:import (201). A repeated address gets the
    same 202 answer, so the API does not reveal who has signed."""
    key = current_key()
    trusted = bool(fields.pop("confirmed"))
    if trusted and scopes.SIGNATURES_IMPORT not in key.scope_list:
        api_refusal(UnprocessableEntity, "import_scope_missing",
                    _l("Importing confirmed signatures needs the signatures:import scope."))
    try:
        ident = services.add_signature(key, petition_id, fields, trusted)
    except services.NotFound:
        api_refusal(NotFound, "not_found", _l("There is no such record."))
    except services.Closed:
        api_refusal(Conflict, "petition_closed", _l("This petition is not open for signing."))
    except services.AlreadySigned:
        api_refusal(Conflict, "already_signed", _l("This address has signed this petition already."))
    if trusted:
        return {"status": "confirmed", "id": ident}, 201
    return {"status": "pending", "id": None}, 202


@v1.route("/people/subscribers")
@api(scopes.PEOPLE_READ)
@v1.arguments(ListArgs, location="query")
@v1.response(200, SubscriberPage)
@v1.doc(security=_SECURITY)
def subscribers(args: dict[str, Any]) -> dict[str, Any]:
    """Confirmed newsletter subscribers (audit-logged)."""
    return _listed(_paged(services.list_subscribers, current_key(), args), "api_v1.subscribers")


@v1.route("/people/volunteers")
@api(scopes.PEOPLE_READ)
@v1.arguments(ListArgs, location="query")
@v1.response(200, VolunteerPage)
@v1.doc(security=_SECURITY)
def volunteers(args: dict[str, Any]) -> dict[str, Any]:
    """Confirmed volunteers who agreed to be contacted; never their working groups (audit-logged)."""
    return _listed(_paged(services.list_volunteers, current_key(), args), "api_v1.volunteers")


@v1.route("/newsletters")
@api(scopes.NEWSLETTERS_READ)
@v1.arguments(ListArgs, location="query")
@v1.response(200, IssuePage)
@v1.doc(security=_SECURITY)
def newsletters(args: dict[str, Any]) -> dict[str, Any]:
    """Newsletter issues published in the public archive."""
    return _listed(_paged(services.list_issues, args), "api_v1.newsletters")


@v1.route("/events")
@api(scopes.EVENTS_READ)
@v1.arguments(ListArgs, location="query")
@v1.response(200, EventPage)
@v1.doc(security=_SECURITY)
def events(args: dict[str, Any]) -> dict[str, Any]:
    """Public events (never those of confidential groups) with their counts; never the exact place."""
    return _listed(_paged(services.list_events, args), "api_v1.events")


@v1.route("/events/<int:event_id>")
@api(scopes.EVENTS_READ)
@v1.response(200, EventOut)
@v1.doc(security=_SECURITY)
def event(event_id: int) -> dict[str, Any]:
    """One public event with its counts."""
    try:
        return event_fields(services.get_event(event_id))
    except services.NotFound:
        api_refusal(NotFound, "not_found", _l("There is no such record."))


@v1.route("/events/<int:event_id>/rsvps")
@api(scopes.RSVPS_READ)
@v1.arguments(ListArgs, location="query")
@v1.response(200, RsvpPage)
@v1.doc(security=_SECURITY)
def rsvps(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """An event's confirmed replies, with nicknames and addresses, never the answers to the
    organiser's questions (audit-logged)."""
    return _listed(_paged(services.list_rsvps, current_key(), event_id, args), "api_v1.rsvps", event_id=event_id)
