"""Event codes as people read them: event and RSVP states."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.events.models import EventStatus, RsvpStatus

EVENT_STATUS_LABELS: dict[str, object] = {
    EventStatus.DRAFT.value: _l("Draft"),
    EventStatus.PUBLISHED.value: _l("Published"),
    EventStatus.CANCELLED.value: _l("Cancelled"),
}
RSVP_STATUS_LABELS: dict[str, object] = {
    RsvpStatus.PENDING.value: _l("Awaiting confirmation by mail"),
    RsvpStatus.CONFIRMED.value: _l("Place confirmed"),
    RsvpStatus.WAITING.value: _l("On the waiting list"),
}
