"""The newsletter audience this feature owns: attendees of an event who asked to hear more.

It only narrows the list: the newsletter still sends to confirmed subscribers alone. It follows
the visibility policy: a sender who may not see an event's (confidential) group reaches nobody.
"""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from campaign.auth.models import User
from campaign.events.models import Event, Rsvp
from campaign.extensions import db
from campaign.features import Audience
from campaign.i18n import locale_code
from campaign.newsletter.models import Subscriber
from campaign.volunteers import visibility


def _as_int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else -1


def _attendees(value: str | None, sender: User | None) -> Select[int]:
    """Subscribers who came to event `value` (checked in) and ticked "keep me informed"."""
    return select(Subscriber.id).join(Rsvp, Rsvp.email == Subscriber.email).join(
        Event, Event.id == Rsvp.event_id).where(
        Rsvp.event_id == _as_int(value), Rsvp.checked_in_at.is_not(None), Rsvp.follow_up.is_(True),
        Event.group_id.in_(visibility.managed_group_ids(sender)),
    )


def _events(sender: User | None) -> list[tuple[str, str]]:
    lang = locale_code(get_locale())
    rows = db.session.scalars(select(Event).where(Event.group_id.in_(visibility.managed_group_ids(sender)))
                              .order_by(Event.starts_at.desc()))
    return [(str(event.id), event.text("title", lang)) for event in rows]


ATTENDEES = Audience("event", _l("Attendees of an event who asked to hear more"), _attendees, choices=_events)
