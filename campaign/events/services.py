"""Events: writing them, RSVPs (request, confirm, cancel, waiting list), check-in, the worker's
mails and clean-up, data rights. One transaction per public function unless it says otherwise.

Capacity is decided when the mailed link is followed, not when the form is sent: a place is held
only by a person whose address is proven. The confirming transaction first marks its own RSVP,
then takes a place with one conditional UPDATE (`confirmed_count < capacity`) on the event row:
on PostgreSQL the row lock makes concurrent confirmations queue on that row and re-check the
condition; on SQLite the single writer does the same. Whoever finds no place goes on the waiting
list; a cancellation frees a place and moves the first person waiting up in the same transaction.
"""
from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ColumnElement, delete, exists, func, or_, select, update

from campaign import erasure, happenings, notices, tokens, worker
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.events import calendar
from campaign.events.models import TRANSLATED, Event, EventStatus, EventTask, Rsvp, RsvpStatus, WalkIn
from campaign.extensions import db, rowcount
from campaign.features import Figure, Lane
from campaign.i18n import languages, locale_code
from campaign.links import absolute_url
from campaign.mail import services as mail
from campaign.markup import render_translations
from campaign.newsletter.models import Subscriber
from campaign.newsletter.services import subscribe_confirmed
from campaign.privacy import normalise_email
from campaign.timeutil import org_midnight, to_org, utcnow
from campaign.volunteers import visibility, work
from campaign.volunteers.models import Priority, Task, Volunteer, WorkingGroup

logger = logging.getLogger(__name__)

CONFIRM_PURPOSE = "event-rsvp-confirm"
RSVP_PURPOSE = "event-rsvp"
CONFIRM_DAYS = 7
RSVP_DAYS = 400  # the RSVP page link works until well after the event (RSVPs go sooner anyway)
PENDING_DAYS = 7  # RSVPs never confirmed by mail are deleted after this many days
CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no 0/O, 1/I, 2/Z, 5/S, 8/B: easy to read out at a door
NOTICE_KIND = "events.rsvp"

Viewer = User | Volunteer | None
# Who writes events: organisers and admins (staff pages), and a group's leads (their volunteer space).
Actor = User | Volunteer


class EventError(Exception):
    """Base of this feature's errors."""


class EventNotFound(EventError):
    """No event the viewer may see has this id."""


class RsvpClosed(EventError):
    """The event takes no more RSVPs (deadline passed, started, cancelled)."""


class NotAllowed(EventError):
    """The actor may not manage this event's group."""


class LinkInvalid(EventError):
    """A mailed link is broken, expired or its RSVP is gone."""


# --- seeing events ------------------------------------------------------------------------------


def visible_filter(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on Event: events of groups that are not confidential, and of confidential
    groups only for those the visibility policy lets see the group (its members, admins)."""
    return or_(_of_open_group(), Event.group_id.in_(visibility.visible_group_ids(viewer)))


def _of_open_group() -> ColumnElement[bool]:
    return Event.group_id.in_(select(WorkingGroup.id).where(WorkingGroup.confidential.is_(False)))


def upcoming(viewer: Viewer, now: datetime | None = None) -> Sequence[Event]:
    """Published events that have not ended, soonest first, that `viewer` may see."""
    moment = now or utcnow()
    return db.session.scalars(
        select(Event).where(Event.status == EventStatus.PUBLISHED.value, Event.ends_at >= moment,
                            visible_filter(viewer)).order_by(Event.starts_at, Event.id)
    ).all()


def visible_event(event_id: int, viewer: Viewer) -> Event:
    """A published (or cancelled) event `viewer` may see, or EventNotFound."""
    event = db.session.scalar(select(Event).where(
        Event.id == event_id, Event.status != EventStatus.DRAFT.value, visible_filter(viewer)))
    if event is None:
        raise EventNotFound(event_id)
    return event


def managed_filter(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on Event: the events of the groups `actor` manages (a lead: the groups they lead)."""
    return Event.group_id.in_(visibility.managed_group_ids(actor))


def managed_events(actor: Actor, group_id: int | None = None) -> Sequence[Event]:
    """Every event of the groups `actor` manages (or of one of them), newest start first."""
    stmt = select(Event).where(managed_filter(actor))
    if group_id is not None:
        stmt = stmt.where(Event.group_id == group_id)
    return db.session.scalars(stmt.order_by(Event.starts_at.desc(), Event.id.desc())).all()


def managed_event(event_id: int, actor: Actor) -> Event:
    event = db.session.scalar(select(Event).where(Event.id == event_id, managed_filter(actor)))
    if event is None:
        raise EventNotFound(event_id)
    return event


def manages_group(actor: Actor, group_id: int) -> bool:
    return group_id in set(db.session.scalars(visibility.managed_group_ids(actor)))


def group_options(actor: Actor, locale: object) -> list[tuple[int, str]]:
    managed = set(db.session.scalars(visibility.managed_group_ids(actor)))
    return [(gid, name) for gid, name in visibility.group_options(actor, locale) if gid in managed]


def group_of(event: Event) -> WorkingGroup:
    group = db.session.get(WorkingGroup, event.group_id)
    if group is None:  # the foreign key rules it out; say so rather than assume
        raise EventNotFound(event.id)
    return group


# --- writing events ------------------------------------------------------------------------------


def save_event(event: Event | None, fields: dict[str, Any], actor: Actor) -> Event:
    """Create or update an event from form data (times already naive UTC). Raising the capacity
    moves people up from the waiting list in the same transaction."""
    allowed = set(db.session.scalars(visibility.managed_group_ids(actor)))
    if fields["group_id"] not in allowed or (event is not None and event.group_id not in allowed):
        raise NotAllowed()
    created = event is None
    was_cancelled = event is not None and event.status == EventStatus.CANCELLED.value
    if event is None:
        event = Event(starts_at=fields["starts_at"], ends_at=fields["ends_at"])
        db.session.add(event)
    for name in ("group_id", "status", "online", "place", "place_release_at", "starts_at", "ends_at",
                 "rsvp_deadline", "capacity"):
        setattr(event, name, fields[name])
    for name in TRANSLATED:
        event.set_text(name, fields.get(name))
    event.description_html = render_translations(event.description)
    db.session.flush()
    if not created and not was_cancelled and event.status == EventStatus.CANCELLED.value:
        _tell_repliers_it_is_cancelled(event.id)
    promoted = _promote_waiting(event.id)
    # A lead is a volunteer, not a staff account: the entry names them in its detail.
    details = [f"{promoted} moved up" if promoted else "", "" if isinstance(actor, User) else f"by lead {actor.id}"]
    audit.record(actor if isinstance(actor, User) else None, "event.create" if created else "event.edit", "event",
                 event.id, "; ".join(detail for detail in details if detail))
    db.session.commit()
    return event


def _tell_repliers_it_is_cancelled(event_id: int) -> None:
    """Everyone holding a place or waiting for one gets a mail saying the event is cancelled
    (composed by the worker, `send_due_mail`); those who never confirmed their address get none."""
    db.session.execute(
        update(Rsvp).where(Rsvp.event_id == event_id,
                           Rsvp.status.in_([RsvpStatus.CONFIRMED.value, RsvpStatus.WAITING.value]))
        .values(mail_due="cancelled").execution_options(synchronize_session=False))
    worker.wake_after_commit(Lane.MAIL)


# --- RSVP ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RsvpAnswers:
    nickname: str
    email: str
    answers: list[str]
    follow_up: bool


def request_rsvp(event: Event, form: RsvpAnswers, locale: str) -> None:
    """Queue the RSVP for the worker, which mails the confirmation link (or, to someone who
    replied already, their RSVP link). The answer is the same whether or not the address is known."""
    if not event.rsvp_open():
        raise RsvpClosed()
    questions = event.question_list(locale_code(locale))
    answers = [[q, a.strip()[:500]] for q, a in zip(questions, form.answers, strict=False)]
    notices.queue(NOTICE_KIND, normalise_email(form.email), locale_code(locale), event_id=event.id,
                  nickname=form.nickname.strip()[:60], answers=answers, follow_up=bool(form.follow_up))
    db.session.commit()


def _new_code(event_id: int) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        taken = db.session.scalar(select(Rsvp.id).where(Rsvp.event_id == event_id, Rsvp.code == code))
        if taken is None:
            return code


def handle_rsvp(notice: notices.Notice) -> None:
    """Worker: a new address gets a pending RSVP and the confirmation link; an address that
    replied already gets its RSVP page link (or the confirmation link again). Capped per address."""
    event = db.session.get(Event, int(notice.data.get("event_id", 0)))
    if event is None or not event.rsvp_open():
        return
    existing = db.session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.email == notice.address))
    lang_locale = existing.locale if existing is not None else locale_code(notice.locale)
    subject_args = {"title": event.text("title", lang_locale)}
    if existing is not None and existing.status != RsvpStatus.PENDING.value:
        mail.send_unsolicited(existing.email, "events_already", existing.locale,
                              _l("Your reply to: %(title)s", **subject_args),
                              event=event, lang=existing.locale, link=rsvp_link(existing))
        return
    if existing is None:
        existing = Rsvp(event_id=event.id, email=notice.address, code=_new_code(event.id),
                        status=RsvpStatus.PENDING.value, created_at=utcnow())
        db.session.add(existing)
    existing.nickname = str(notice.data.get("nickname", ""))[:60] or "?"
    existing.answers = json.dumps(notice.data.get("answers") or [], ensure_ascii=False)
    existing.follow_up = bool(notice.data.get("follow_up"))
    existing.locale = lang_locale
    db.session.flush()
    mail.send_unsolicited(existing.email, "events_confirm", existing.locale,
                          _l("Please confirm your place: %(title)s", **subject_args),
                          event=event, lang=existing.locale, link=confirm_link(existing), days=CONFIRM_DAYS,
                          when=when_text(event, existing.locale))


def _state(rsvp: Rsvp) -> str:
    # Bound into links: a row id reused after a deletion does not match the old links.
    return rsvp.created_at.isoformat()


def confirm_link(rsvp: Rsvp) -> str:
    return absolute_url("events.confirm", token=tokens.make(CONFIRM_PURPOSE, rsvp.id, _state(rsvp)))


def rsvp_link(rsvp: Rsvp) -> str:
    return absolute_url("events.rsvp_page", token=rsvp_token(rsvp))


def rsvp_token(rsvp: Rsvp) -> str:
    return tokens.make(RSVP_PURPOSE, rsvp.id, _state(rsvp))


def rsvp_from_token(purpose: str, token: str) -> Rsvp:
    """The RSVP a mailed link names, or LinkInvalid."""
    max_age = (CONFIRM_DAYS if purpose == CONFIRM_PURPOSE else RSVP_DAYS) * 86400
    try:
        return tokens.open_link(purpose, token, max_age, Rsvp, _state)
    except tokens.TokenInvalid:
        raise LinkInvalid() from None


def _first_time(address: str, event_id: int) -> bool:
    """Whether we knew nothing of this address before: no other RSVP, subscription or volunteer."""
    known = (exists().where(Rsvp.email == address, Rsvp.event_id != event_id)
             | exists().where(Subscriber.email == address)
             | exists().where(Volunteer.email == address))
    return not bool(db.session.scalar(select(known)))


def confirm(rsvp: Rsvp) -> str:
    """Follow the mailed link: take a place if one is free, else join the waiting list. Returns the
    RSVP's status afterwards; a second confirmation changes nothing."""
    event = db.session.get(Event, rsvp.event_id)
    if event is None or event.status != EventStatus.PUBLISHED.value or utcnow() >= event.starts_at:
        raise RsvpClosed()
    now = utcnow()
    first = _first_time(rsvp.email, rsvp.event_id)
    # The first write of the transaction: on SQLite it takes the write lock before anything else.
    won = rowcount(db.session.execute(
        update(Rsvp).where(Rsvp.id == rsvp.id, Rsvp.status == RsvpStatus.PENDING.value)
        .values(status=RsvpStatus.WAITING.value, confirmed_at=now, first_time=first, mail_due="status")
        .execution_options(synchronize_session=False)
    ))
    if not won:
        db.session.rollback()
        db.session.refresh(rsvp)
        return rsvp.status
    db.session.execute(update(Event).where(Event.id == rsvp.event_id)
                       .values(rsvp_count=Event.rsvp_count + 1, updated_at=Event.updated_at))
    if _take_place(rsvp.event_id):
        db.session.execute(update(Rsvp).where(Rsvp.id == rsvp.id).values(status=RsvpStatus.CONFIRMED.value)
                           .execution_options(synchronize_session=False))
    if rsvp.follow_up:
        subscribe_confirmed(rsvp.email, rsvp.nickname, rsvp.locale, source=f"event:{rsvp.event_id}")
    happenings.record(happenings.RSVP_CONFIRMED, "rsvp", rsvp.id)
    worker.wake_after_commit(Lane.MAIL)  # the worker mails where the reply stands
    db.session.commit()
    db.session.refresh(rsvp)
    return rsvp.status


def _take_place(event_id: int) -> bool:
    """Take one place if one is free: one conditional UPDATE, safe under concurrency."""
    return bool(rowcount(db.session.execute(
        update(Event).where(Event.id == event_id, Event.confirmed_count < Event.capacity)
        .values(confirmed_count=Event.confirmed_count + 1, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False)
    )))


def _promote_waiting(event_id: int) -> int:
    """Move people up from the waiting list while places are free (caller's transaction)."""
    moved = 0
    while True:
        first = db.session.scalar(
            select(Rsvp.id).where(Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.WAITING.value)
            .order_by(Rsvp.confirmed_at, Rsvp.id).limit(1))
        if first is None or not _take_place(event_id):
            return moved
        db.session.execute(update(Rsvp).where(Rsvp.id == first)
                           .values(status=RsvpStatus.CONFIRMED.value, mail_due="moved")
                           .execution_options(synchronize_session=False))
        worker.wake_after_commit(Lane.MAIL)
        moved += 1


def _release_place(event_id: int) -> None:
    db.session.execute(update(Event).where(Event.id == event_id, Event.confirmed_count > 0)
                       .values(confirmed_count=Event.confirmed_count - 1, updated_at=Event.updated_at)
                       .execution_options(synchronize_session=False))


def cancel(rsvp: Rsvp) -> None:
    """Delete the RSVP with its answers; a place it held goes to the first person waiting."""
    event_id = rsvp.event_id
    _remove(rsvp.id, event_id)
    db.session.commit()
    erasure.settle(["event_rsvps"])


def _remove(rsvp_id: int, event_id: int) -> None:
    status = db.session.execute(delete(Rsvp).where(Rsvp.id == rsvp_id).returning(Rsvp.status)).scalar()
    if status in (RsvpStatus.CONFIRMED.value, RsvpStatus.WAITING.value) and _announced(event_id):
        happenings.record(happenings.RSVP_CANCELLED, "rsvp", rsvp_id)
    if status == RsvpStatus.CONFIRMED.value:
        _release_place(event_id)
        _promote_waiting(event_id)


def _announced(event_id: int) -> bool:
    """Whether partners may hear that a reply to this event went: never for a confidential group's
    event, whose replies they were never told of (the reply is gone by the time a webhook is sent,
    so this is decided now)."""
    return bool(db.session.scalar(select(exists().where(Event.id == event_id, _of_open_group()))))


def waiting_position(rsvp: Rsvp) -> int:
    if rsvp.status != RsvpStatus.WAITING.value or rsvp.confirmed_at is None:
        return 0
    ahead = db.session.scalar(select(func.count()).select_from(Rsvp).where(
        Rsvp.event_id == rsvp.event_id, Rsvp.status == RsvpStatus.WAITING.value,
        or_(Rsvp.confirmed_at < rsvp.confirmed_at, (Rsvp.confirmed_at == rsvp.confirmed_at) & (Rsvp.id < rsvp.id))))
    return int(ahead or 0) + 1


def answers_of(rsvp: Rsvp) -> list[tuple[str, str]]:
    try:
        pairs = json.loads(rsvp.answers or "[]")
    except ValueError:
        return []
    return [(str(q), str(a)) for q, a in pairs if a] if isinstance(pairs, list) else []


# --- mail ---------------------------------------------------------------------------------------


def when_text(event: Event, locale: str) -> str:
    """The event's start and end in the organisation's zone, e.g. '2026-12-05 14:00–16:00 (Asia/Shanghai)'."""
    start, end = to_org(event.starts_at), to_org(event.ends_at)
    same_day = start.date() == end.date()
    tail = end.strftime("%H:%M") if same_day else end.strftime("%Y-%m-%d %H:%M")
    return f"{start.strftime('%Y-%m-%d %H:%M')}–{tail} ({start.tzinfo})"


def release_text(event: Event) -> str:
    return to_org(event.place_release_at).strftime("%Y-%m-%d %H:%M") if event.place_release_at else ""


def _mail_status(event: Event, rsvp: Rsvp, moved_up: bool = False, reminder: str = "",
                 now: datetime | None = None) -> None:
    """Queue the mail telling an attendee where they stand (caller's transaction): a place (with
    the place if released, and the .ics), the waiting list, or a reminder."""
    lang = rsvp.locale
    confirmed = rsvp.status == RsvpStatus.CONFIRMED.value
    released = confirmed and event.place_released(now)
    title = event.text("title", lang)
    if reminder == "place":
        subject = _l("The place of: %(title)s", title=title)
    elif reminder:
        subject = _l("Reminder: %(title)s", title=title)
    elif moved_up:
        subject = _l("A place opened up for you: %(title)s", title=title)
    elif confirmed:
        subject = _l("Your place is confirmed: %(title)s", title=title)
    else:
        subject = _l("You are on the waiting list: %(title)s", title=title)
    subject_text, text, html = mail.render(
        "events_status", rsvp.locale, subject, event=event, rsvp=rsvp, lang=lang, confirmed=confirmed,
        released=released, moved_up=moved_up, reminder=reminder, when=when_text(event, rsvp.locale),
        release_on=release_text(event), position=waiting_position(rsvp), link=rsvp_link(rsvp),
        calendar_link=absolute_url("events.calendar_file", event_id=event.id),
    )
    message = mail.build_message(rsvp.email, subject_text, text, html)
    if confirmed and not reminder:
        # A place confirmed less than a day (or two hours) ahead: this mail is the reminder.
        starts_in = event.starts_at - (now or utcnow())
        marks = {"reminded_day": True} if starts_in <= timedelta(hours=24) else {}
        if starts_in <= timedelta(hours=2):
            marks["reminded_hours"] = True
        if marks:
            db.session.execute(update(Rsvp).where(Rsvp.id == rsvp.id).values(**marks)
                               .execution_options(synchronize_session=False))
    if confirmed:
        message.add_attachment(calendar.ics(event, lang, rsvp_link(rsvp), event.place if released else ""),
                               maintype="text", subtype="calendar", filename="event.ics")
        if released:
            db.session.execute(update(Rsvp).where(Rsvp.id == rsvp.id).values(place_mailed=True)
                               .execution_options(synchronize_session=False))
    mail.queue(message)


def _mail_cancelled(event: Event, rsvp: Rsvp) -> None:
    """Queue the mail telling someone who replied that the event is cancelled (caller's transaction)."""
    title = event.text("title", rsvp.locale)
    subject_text, text, html = mail.render(
        "events_cancelled", rsvp.locale, _l("Cancelled: %(title)s", title=title), event=event, lang=rsvp.locale,
        when=when_text(event, rsvp.locale),
    )
    mail.queue(mail.build_message(rsvp.email, subject_text, text, html))


def _claim(due: ColumnElement[bool], values: dict[str, Any], limit: int) -> list[int]:
    from campaign import claims

    return sorted(row.id for row in claims.claim(Rsvp, due, values, limit))


def send_due_mail(limit: int = 200, now: datetime | None = None) -> int:
    """Worker job: where a reply stands (after confirming or moving up), reminders a day and two
    hours before, and the place once it is released.

    Rows are claimed (flag set) in the same transaction that queues their mail, so several workers
    never send twice; a mail that cannot be built is skipped alone."""
    moment = now or utcnow()
    confirmed = Rsvp.status == RsvpStatus.CONFIRMED.value
    live = select(Event.id).where(Event.status == EventStatus.PUBLISHED.value, Event.starts_at > moment)
    soon = live.where(Event.starts_at <= moment + timedelta(hours=2))
    tomorrow = live.where(Event.starts_at <= moment + timedelta(hours=24))
    released = live.where(or_(Event.place_release_at.is_(None), Event.place_release_at <= moment))
    done = 0
    batches = (
        # Where a reply stands, after confirming or moving up (composed here, off the request).
        ("cancelled", Rsvp.mail_due == "cancelled", {"mail_due": ""}),
        ("moved", Rsvp.mail_due == "moved", {"mail_due": ""}),
        ("status", Rsvp.mail_due == "status", {"mail_due": ""}),
        # Two hours before: the day-before reminder is not sent any more after this one.
        ("hours", confirmed & Rsvp.reminded_hours.is_(False) & Rsvp.event_id.in_(soon),
         {"reminded_hours": True, "reminded_day": True, "place_mailed": True}),
        ("day", confirmed & Rsvp.reminded_day.is_(False) & Rsvp.event_id.in_(tomorrow),
         {"reminded_day": True, "place_mailed": True}),
        ("place", confirmed & Rsvp.place_mailed.is_(False) & Rsvp.event_id.in_(released), {"place_mailed": True}),
    )
    for kind, due, values in batches:
        # Claimed one kind at a time: a mail sent for an earlier kind (the place in a
        # confirmation) marks what the later kinds would otherwise send again.
        ids = _claim(due, values, limit)
        for rsvp in db.session.scalars(select(Rsvp).where(Rsvp.id.in_(ids)).order_by(Rsvp.id)):
            event = db.session.get(Event, rsvp.event_id)
            if event is None:
                continue
            try:
                with db.session.begin_nested():
                    if kind == "cancelled":
                        _mail_cancelled(event, rsvp)
                    elif kind in ("moved", "status"):
                        _mail_status(event, rsvp, moved_up=kind == "moved", now=moment)
                    else:
                        _mail_status(event, rsvp, reminder=kind, now=moment)
                done += 1
            except Exception as exc:  # noqa: BLE001  (one bad row must not stop the others)
                logger.error("event rsvp %s: %s mail not built: %s", rsvp.id, kind, type(exc).__name__)
    db.session.commit()
    return done


def purge(retention_days: int, now: datetime | None = None) -> int:
    """Worker job: delete RSVPs and walk-ins `retention_days` after their event ended (the counts
    stay on the event), and RSVPs whose link was never followed after PENDING_DAYS."""
    moment = now or utcnow()
    ended = list(db.session.scalars(select(Event.id).where(
        Event.ends_at < moment - timedelta(days=retention_days), Event.rsvps_purged_at.is_(None))))
    removed = 0
    if ended:
        removed += rowcount(db.session.execute(delete(Rsvp).where(Rsvp.event_id.in_(ended))))
        removed += rowcount(db.session.execute(delete(WalkIn).where(WalkIn.event_id.in_(ended))))
        db.session.execute(update(Event).where(Event.id.in_(ended)).values(rsvps_purged_at=moment)
                           .execution_options(synchronize_session=False))
    removed += rowcount(db.session.execute(delete(Rsvp).where(
        Rsvp.status == RsvpStatus.PENDING.value, Rsvp.created_at < moment - timedelta(days=PENDING_DAYS))))
    db.session.commit()
    if removed:
        erasure.settle(["event_rsvps", "event_walk_ins"])
    return removed + len(ended)


# --- at the door ----------------------------------------------------------------------------------


def find_attendees(event: Event, query: str) -> Sequence[Rsvp]:
    """RSVPs (confirmed or waiting) whose nickname contains `query` or whose code is `query`."""
    needle = query.strip()
    if not needle:
        return []
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return db.session.scalars(
        select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status != RsvpStatus.PENDING.value,
                           or_(Rsvp.nickname.ilike(pattern, escape="\\"), Rsvp.code == needle.upper()))
        .order_by(Rsvp.nickname, Rsvp.id).limit(30)
    ).all()


def check_in(event: Event, rsvp_id: int) -> bool:
    """Mark an attendee as arrived; False if they were already, or are not this event's."""
    now = utcnow()
    won = rowcount(db.session.execute(
        update(Rsvp).where(Rsvp.id == rsvp_id, Rsvp.event_id == event.id, Rsvp.checked_in_at.is_(None),
                           Rsvp.status != RsvpStatus.PENDING.value)
        .values(checked_in_at=now).execution_options(synchronize_session=False)))
    if won:
        first = bool(db.session.scalar(select(Rsvp.first_time).where(Rsvp.id == rsvp_id)))
        db.session.execute(update(Event).where(Event.id == event.id).values(
            checked_in_count=Event.checked_in_count + 1, new_people_count=Event.new_people_count + int(first),
            updated_at=Event.updated_at).execution_options(synchronize_session=False))
    db.session.commit()
    return bool(won)


def walk_in(event: Event, nickname: str) -> None:
    """Count someone who came without an RSVP (a nickname only)."""
    db.session.add(WalkIn(event_id=event.id, nickname=nickname.strip()[:60]))
    db.session.execute(update(Event).where(Event.id == event.id).values(
        walk_in_count=Event.walk_in_count + 1, updated_at=Event.updated_at,
    ).execution_options(synchronize_session=False))
    db.session.commit()


def rsvps_of(event: Event) -> Sequence[Rsvp]:
    return db.session.scalars(select(Rsvp).where(Rsvp.event_id == event.id)
                              .order_by(Rsvp.status, Rsvp.confirmed_at, Rsvp.id)).all()


def walk_ins_of(event: Event) -> Sequence[WalkIn]:
    return db.session.scalars(select(WalkIn).where(WalkIn.event_id == event.id).order_by(WalkIn.id)).all()


def status_counts(event: Event) -> dict[str, int]:
    rows = db.session.execute(select(Rsvp.status, func.count()).where(Rsvp.event_id == event.id)
                              .group_by(Rsvp.status)).all()
    return {status: int(n) for status, n in rows}


# --- tasks and follow-up ----------------------------------------------------------------------------


def linked_tasks(event: Event) -> Sequence[Task]:
    return db.session.scalars(select(Task).join(EventTask, EventTask.task_id == Task.id)
                              .where(EventTask.event_id == event.id).order_by(Task.id)).all()


def create_task(actor: User, event: Event, title: str, due_on: date | None) -> Task:
    """A task in the event's group (through the volunteers' service), linked to the event."""
    task = work.create_task(actor, group_of(event), title, "", due_on, Priority.NORMAL, [])
    db.session.add(EventTask(event_id=event.id, task_id=task.id))
    db.session.commit()
    return task


def follow_up_segment(event: Event) -> str:
    """The newsletter audience value of this event's attendees who asked to hear more."""
    return f"event:{event.id}"


def follow_up_subject(event: Event) -> dict[str, str]:
    """The subject of the follow-up newsletter in each configured language, from the event's title."""
    subject = {}
    for lang in languages().ordered:
        with force_locale(lang.code):
            subject[lang.code] = _("After %(title)s", title=event.text("title", lang.code))
    return subject


# --- data rights ----------------------------------------------------------------------------------


def collect_personal_data(address: str) -> list[dict[str, Any]]:
    rows = db.session.execute(select(Rsvp, Event).join(Event, Event.id == Rsvp.event_id)
                              .where(Rsvp.email == address).order_by(Rsvp.id)).all()
    return [{
        "event": dict(event.title), "starts_at": event.starts_at.isoformat(),
        "nickname": rsvp.nickname, "email": rsvp.email, "status": rsvp.status,
        "answers": answers_of(rsvp), "hear_more": rsvp.follow_up, "code": rsvp.code,
        "replied_at": rsvp.created_at.isoformat(),
        "checked_in_at": rsvp.checked_in_at.isoformat() if rsvp.checked_in_at else None,
    } for rsvp, event in rows]


def erase_personal_data(address: str) -> int:
    """Delete an address's RSVPs in the caller's transaction (no commit). A place held for an
    event still to come goes to the first person waiting; past events keep their counts."""
    rows = db.session.execute(select(Rsvp.id, Rsvp.event_id).where(Rsvp.email == address)).all()
    for rsvp_id, event_id in rows:
        _remove(rsvp_id, event_id)
    return len(rows)


# --- staff home -------------------------------------------------------------------------------------


def staff_figures() -> list[Figure]:
    """Upcoming events, RSVPs waiting for their mailed link to be followed, and today's check-ins,
    over the events the signed-in staff member manages."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if not isinstance(user, User):
        return []
    now = utcnow()
    mine = managed_filter(user)
    upcoming_n = db.session.scalar(select(func.count()).select_from(Event).where(
        mine, Event.status == EventStatus.PUBLISHED.value, Event.ends_at >= now)) or 0
    pending = db.session.scalar(select(func.count()).select_from(Rsvp).join(Event, Event.id == Rsvp.event_id)
                                .where(mine, Rsvp.status == RsvpStatus.PENDING.value, Event.ends_at >= now)) or 0
    midnight = org_midnight()  # "today" is the organisation's day
    arrived = db.session.scalar(select(func.count()).select_from(Rsvp).join(Event, Event.id == Rsvp.event_id)
                                .where(mine, Rsvp.checked_in_at >= midnight)) or 0
    return [Figure(_l("Upcoming events"), int(upcoming_n), "events.staff_list"),
            Figure(_l("RSVPs awaiting confirmation by mail"), int(pending), "events.staff_list"),
            Figure(_l("Checked in today"), int(arrived), "events.staff_list")]
