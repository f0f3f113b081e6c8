"""The API's scopes and webhook event kinds: its own, and those features add in their manifests."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign import happenings
from campaign.api import payloads
from campaign.features import ApiResources, ApiScope, HookEvent, registry

PETITIONS_READ = "petitions:read"
SIGNATURES_READ = "signatures:read"
SIGNATURES_WRITE = "signatures:write"
SIGNATURES_IMPORT = "signatures:import"
PEOPLE_READ = "people:read"
NEWSLETTERS_READ = "newsletters:read"
EVENTS_READ = "events:read"
RSVPS_READ = "rsvps:read"

OWN = ApiResources(
    scopes=(
        ApiScope(PETITIONS_READ, _l("Read petitions and their counts")),
        ApiScope(SIGNATURES_READ, _l("Read confirmed signatures, with names and addresses"), personal=True),
        ApiScope(SIGNATURES_WRITE, _l("Add signatures (each counts once its signer confirms by mail)"),
                 personal=True),
        ApiScope(SIGNATURES_IMPORT, _l("Import signatures confirmed elsewhere (trusted: they count at once)"),
                 personal=True),
        ApiScope(PEOPLE_READ, _l("Read subscribers and volunteers who agreed to be contacted"), personal=True),
        ApiScope(NEWSLETTERS_READ, _l("Read newsletter issues in the public archive")),
        ApiScope(EVENTS_READ, _l("Read public events and their counts")),
        ApiScope(RSVPS_READ, _l("Read who replied to an event (nickname and address, never their answers)"),
                 personal=True),
    ),
    hook_events=(
        HookEvent(happenings.SIGNATURE_CONFIRMED, _l("Signature confirmed"), PETITIONS_READ, payloads.signature),
        HookEvent(happenings.SUBSCRIBER_JOINED, _l("Subscriber joined"), PEOPLE_READ, payloads.subscriber),
        HookEvent(happenings.SUBSCRIBER_LEFT, _l("Subscriber left"), PEOPLE_READ, payloads.subscriber_left),
        HookEvent(happenings.VOLUNTEER_CONFIRMED, _l("Volunteer confirmed"), PEOPLE_READ, payloads.volunteer),
        HookEvent(happenings.RSVP_CONFIRMED, _l("Event reply confirmed"), EVENTS_READ, payloads.rsvp),
        HookEvent(happenings.RSVP_CANCELLED, _l("Event reply cancelled"), RSVPS_READ, payloads.rsvp_cancelled),
    ),
)


def all_scopes() -> list[ApiScope]:
    """Every scope a key or webhook may hold in this app."""
    found: list[ApiScope] = []
    for part in registry().api:  # the api feature's own (OWN) among them
        found.extend(part.scopes)
    return found


def personal_scopes() -> frozenset[str]:
    return frozenset(scope.name for scope in all_scopes() if scope.personal)


def hook_events() -> dict[str, HookEvent]:
    """Every webhook event kind in this app, by kind."""
    found: dict[str, HookEvent] = {}
    for part in registry().api:
        for event in part.hook_events:
            found.setdefault(event.kind, event)
    return found
