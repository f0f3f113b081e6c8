"""Events, their RSVPs and the tasks linked to them.

The public sees an event's area only; the exact place (an address or a meeting link) is shown to
confirmed attendees alone, from `place_release_at` on. Counts live on the event row, kept in the
same transactions that change the RSVPs, so they outlive the RSVPs (deleted after
EVENT_RETENTION_DAYS) and so capacity is enforced by one conditional UPDATE.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaign.content import Shown, Translatable, translated_column
from campaign.extensions import Model
from campaign.timeutil import utcnow


class EventStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class RsvpStatus(str, enum.Enum):
    PENDING = "pending"  # the mailed link not yet followed: holds no place
    CONFIRMED = "confirmed"  # holds a place
    WAITING = "waiting"  # confirmed by mail, on the waiting list


# The fields written in each language (campaign/content.py), as the editor shows them.
TRANSLATED = ("title", "description", "area", "questions")


class Event(Translatable, Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=EventStatus.DRAFT.value, index=True)
    title: Mapped[dict[str, str]] = translated_column()
    description: Mapped[dict[str, str]] = translated_column()  # Markdown as written
    # Sanitised HTML rendered from the Markdown on save.
    description_html: Mapped[dict[str, str]] = translated_column()
    # Public: the area only ("Shanghai, Xuhui"), or "online".
    area: Mapped[dict[str, str]] = translated_column()
    # Organiser questions, one per line (e.g. access needs); answers are kept with each RSVP.
    questions: Mapped[dict[str, str]] = translated_column()
    online: Mapped[bool] = mapped_column(default=False)
    # Private: the exact address or the meeting link, for confirmed attendees only.
    place: Mapped[str] = mapped_column(String(500), default="")
    place_release_at: Mapped[datetime | None]  # naive UTC; None: at once
    starts_at: Mapped[datetime] = mapped_column(index=True)  # naive UTC
    ends_at: Mapped[datetime]
    rsvp_deadline: Mapped[datetime | None]  # naive UTC; None: until the start
    capacity: Mapped[int] = mapped_column(default=30)
    # Counts, kept in the transactions that change them; they stay after RSVPs are deleted.
    confirmed_count: Mapped[int] = mapped_column(default=0)  # places taken now
    rsvp_count: Mapped[int] = mapped_column(default=0)  # RSVPs ever confirmed by mail
    checked_in_count: Mapped[int] = mapped_column(default=0)
    walk_in_count: Mapped[int] = mapped_column(default=0)
    new_people_count: Mapped[int] = mapped_column(default=0)  # checked in, first time we knew them
    rsvps_purged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.status}>"

    def html(self, lang: str) -> Shown:
        """The sanitised HTML of the description for a reader of `lang` (or its fallback)."""
        return self.text("description_html", lang)

    def question_list(self, lang: str) -> list[str]:
        return [line.strip() for line in self.text("questions", lang).splitlines() if line.strip()][:5]

    def place_released(self, now: datetime | None = None) -> bool:
        return self.place_release_at is None or self.place_release_at <= (now or utcnow())

    def rsvp_open(self, now: datetime | None = None) -> bool:
        moment = now or utcnow()
        closes = self.rsvp_deadline or self.starts_at
        return self.status == EventStatus.PUBLISHED.value and moment < closes


class Rsvp(Model):
    __tablename__ = "event_rsvps"
    # Named here: the naming convention names a constraint after its first column only.
    __table_args__ = (UniqueConstraint("event_id", "email", name="uq_event_rsvps_event_email"),
                      UniqueConstraint("event_id", "code", name="uq_event_rsvps_event_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # normalised (privacy.normalise_email)
    nickname: Mapped[str] = mapped_column(String(60))
    answers: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of [question, answer]
    follow_up: Mapped[bool] = mapped_column(default=False)  # wants to hear more (newsletter)
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    status: Mapped[str] = mapped_column(String(10), default=RsvpStatus.PENDING.value, index=True)
    code: Mapped[str] = mapped_column(String(8))  # shown on the RSVP page, typed at the door
    first_time: Mapped[bool] = mapped_column(default=False)  # no earlier trace of the address
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]  # when the mailed link was followed (waiting-list order)
    checked_in_at: Mapped[datetime | None]
    # A mail about where the reply stands is due: "status" (a place or the waiting list) or
    # "moved" (moved up from the waiting list). Composed by the worker, off the confirming
    # transaction, which then holds the write lock for three small UPDATEs only.
    mail_due: Mapped[str] = mapped_column(String(10), default="", server_default="", index=True)
    place_mailed: Mapped[bool] = mapped_column(default=False)
    reminded_day: Mapped[bool] = mapped_column(default=False)
    reminded_hours: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Rsvp {self.id} event={self.event_id} {self.status}>"


class WalkIn(Model):
    """Someone who came without an RSVP: a nickname only, counted, deleted with the RSVPs."""

    __tablename__ = "event_walk_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    nickname: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<WalkIn {self.id} event={self.event_id}>"


class EventTask(Model):
    """A volunteers' task linked to an event (the volunteers feature knows nothing of events)."""

    __tablename__ = "event_tasks"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True, index=True)

    def __repr__(self) -> str:
        return f"<EventTask {self.event_id}:{self.task_id}>"
