"""The event as an iCalendar file (RFC 5545), for the confirmation mail and the calendar link."""
from __future__ import annotations

from datetime import UTC

from flask import current_app
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from campaign.events.models import Event
from campaign.links import absolute_url


def ics(event: Event, lang: str, url: str = "", place: str = "") -> bytes:
    """One VEVENT in UTC. `place` is the exact place, for a confirmed attendee once released;
    without it the file names the public area only."""
    cal = Calendar()
    cal.add("prodid", "-//campaign toolkit//events//EN")
    cal.add("version", "2.0")
    item = CalendarEvent()
    host = absolute_url("core.index").split("//", 1)[-1].split("/", 1)[0] or "localhost"
    item.add("uid", f"event-{event.id}@{host}")
    item.add("dtstamp", event.updated_at.replace(tzinfo=UTC))
    item.add("dtstart", event.starts_at.replace(tzinfo=UTC))
    item.add("dtend", event.ends_at.replace(tzinfo=UTC))
    item.add("summary", event.text("title", lang))
    item.add("location", place or event.text("area", lang))
    item.add("url", url or absolute_url("events.show", event_id=event.id))
    item.add("organizer", f"mailto:{current_app.config['MAIL_DEFAULT_SENDER']}")
    if event.status == "cancelled":
        item.add("status", "CANCELLED")
    cal.add_component(item)
    return bytes(cal.to_ical())
