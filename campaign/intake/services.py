"""The work of the intake feature: typed functions, one transaction each.

Every function that reads or writes sealed data is given a CaseKeyring; none of them can open a
box unless the keyring was built with the unlocked private key.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey
from sqlalchemy import Select, case, delete, func, select, update

from campaign.audit.services import record
from campaign.auth.models import Role, User, UserRole
from campaign.extensions import db
from campaign.features import Figure
from campaign.intake import crypto
from campaign.intake.crypto import CaseKeyring, WrappedKey
from campaign.intake.models import CaseMessage, CaseNote, HelpRequest, IntakeKey, Status
from campaign.intake.takedowns.models import Takedown

logger = logging.getLogger(__name__)

MAX_TAGS, MAX_TAG_LEN = 6, 24


class IntakeError(Exception):
    """Base of this feature's errors."""


class NoKey(IntakeError):
    """No key pair exists yet: run `flask intake keygen`."""


class KeyExists(IntakeError):
    """A key pair exists already; use `flask intake rotate` to replace it."""


class BadCode(IntakeError):
    """No request matches this receipt code."""


class KeyRotated(IntakeError):
    """The key was rotated while this request was being handled; nothing was saved."""


class NotCaseworker(IntakeError):
    """Cases can only be assigned to caseworkers."""


@dataclass
class Answers:
    """What a survivor tells us. All of it is sealed; `kinds` and `platforms` are also kept as
    coarse codes in the clear for statistics."""

    kinds: list[str]
    platforms: list[str] = field(default_factory=list)
    where: str = ""  # channel names and links, as text
    found_when: str = ""
    help_wanted: list[str] = field(default_factory=list)
    contact_method: str = "none"
    contact_detail: str = ""
    name: str = ""
    details: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Answers:
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class Message:
    from_team: bool
    text: str
    sent_on: date
    author: str = ""


@dataclass
class CaseView:
    """A case as a caseworker sees it; the sealed parts only when the keyring was unlocked."""

    request: HelpRequest
    answers: Answers | None = None
    messages: list[Message] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)


def week_of(day: date) -> date:
    """The Monday of `day`'s week: the only date a request keeps of its arrival."""
    return day - timedelta(days=day.weekday())


# --- the key pair -----------------------------------------------------------------------------


def active_key() -> IntakeKey | None:
    return db.session.scalars(select(IntakeKey).order_by(IntakeKey.version.desc())).first()


def _wrapped(key: IntakeKey) -> WrappedKey:
    return WrappedKey(key.public_key, key.wrapped_private, key.salt, key.opslimit, key.memlimit)


def keyring(private_key: PrivateKey | None = None) -> CaseKeyring:
    """The keyring for the active key: locked, or unlocked with `private_key`."""
    key = active_key()
    if key is None:
        raise NoKey()
    return CaseKeyring(key.public_key, key.version, private_key)


def create_key(passphrase: str, demo: bool = False) -> IntakeKey:
    """Create the group's key pair, wrapped with `passphrase` (which is not kept)."""
    if active_key() is not None:
        raise KeyExists()
    wrapped, _private = crypto.generate_wrapped(passphrase)
    key = IntakeKey(version=1, is_demo=demo, **asdict(wrapped))
    db.session.add(key)
    record(None, "intake.key_created", "intake_key", key.version)
    db.session.commit()
    logger.info("intake key v%s created", key.version)
    return key


def hold_key(ring: CaseKeyring) -> None:
    """Share-lock the row of the key `ring` seals to, for the rest of the transaction.

    rotate() locks it for update, so nothing is sealed to a key that is being retired (on
    PostgreSQL; SQLite serialises writers anyway). Raises KeyRotated when the key is gone.
    """
    key = db.session.scalars(
        select(IntakeKey).where(IntakeKey.version == ring.version).with_for_update(read=True)
    ).first()
    if key is None:
        raise KeyRotated()


def unlock(passphrase: str, actor: User | None = None) -> CaseKeyring:
    """An unlocked keyring, or WrongPassphrase / NoKey. Both outcomes are audit-logged."""
    key = active_key()
    if key is None:
        raise NoKey()
    try:
        private = crypto.unwrap(_wrapped(key), passphrase)
    except crypto.WrongPassphrase:
        record(actor, "intake.unlock_failed", "intake_key", key.version)
        db.session.commit()
        raise
    record(actor, "intake.unlocked", "intake_key", key.version)
    db.session.commit()
    return CaseKeyring(key.public_key, key.version, private)


def rotate(old_passphrase: str, new_passphrase: str) -> IntakeKey:
    """Re-encrypt every stored ciphertext to a new key pair, then delete the old one.

    One transaction: a failure leaves everything on the old key. The key row is locked first so
    that a request submitted meanwhile cannot be sealed to the key being retired.
    """
    old_key = db.session.scalars(
        select(IntakeKey).order_by(IntakeKey.version.desc()).with_for_update()
    ).first()
    if old_key is None:
        raise NoKey()
    old = CaseKeyring(old_key.public_key, old_key.version, crypto.unwrap(_wrapped(old_key), old_passphrase))
    wrapped, _private = crypto.generate_wrapped(new_passphrase)
    new = CaseKeyring(wrapped.public_key, old_key.version + 1)

    def reseal(box: bytes) -> bytes:
        return new.seal(old.open(box))

    counts = {"requests": 0, "messages": 0, "notes": 0, "takedowns": 0}
    for req in db.session.scalars(select(HelpRequest)):
        req.answers_box, req.key_version = reseal(req.answers_box), new.version
        counts["requests"] += 1
    for msg in db.session.scalars(select(CaseMessage)):
        msg.team_box, msg.key_version = reseal(msg.team_box), new.version
        counts["messages"] += 1
    for note in db.session.scalars(select(CaseNote)):
        note.box, note.key_version = reseal(note.box), new.version
        counts["notes"] += 1
    for row in db.session.scalars(select(Takedown).where(Takedown.details_box.is_not(None))):
        box = row.details_box
        if box is None:  # the query asked for sealed rows only
            continue
        row.details_box, row.key_version = reseal(box), new.version
        counts["takedowns"] += 1
    db.session.delete(old_key)
    db.session.flush()
    key = IntakeKey(version=new.version, **asdict(wrapped))
    db.session.add(key)
    record(None, "intake.key_rotated", "intake_key", key.version, ",".join(f"{k}={v}" for k, v in counts.items()))
    db.session.commit()
    logger.info("intake key rotated to v%s (%s)", key.version, counts)
    return key


# --- the survivor's side ----------------------------------------------------------------------


def submit(ring: CaseKeyring, answers: Answers, today: date) -> tuple[HelpRequest, str]:
    """Store a help request sealed to the team key; return it and its receipt code (shown once)."""
    hold_key(ring)
    code = crypto.new_receipt_code()
    normal = crypto.normalise_code(code)
    if normal is None:
        raise RuntimeError("a freshly made receipt code failed its own format check")
    salt = crypto.new_code_salt()
    reply_key = crypto.code_key(normal, salt)
    req = HelpRequest(
        lookup_id=crypto.lookup_id(normal),
        code_salt=salt,
        reply_public_key=bytes(reply_key.public_key),
        key_version=ring.version,
        answers_box=ring.seal(answers.to_json()),
        received_week=week_of(today),
        kinds=",".join(answers.kinds),
        platforms=",".join(answers.platforms),
        status=Status.NEW.value,
        unread=True,
    )
    db.session.add(req)
    db.session.commit()
    logger.info("help request %s received", req.id)
    return req, code


def find_by_code(raw_code: str) -> tuple[HelpRequest, PrivateKey]:
    """The request for a receipt code and its per-request private key, or BadCode."""
    normal = crypto.normalise_code(raw_code)
    if normal is None:
        raise BadCode()
    candidates = db.session.scalars(
        select(HelpRequest).where(HelpRequest.lookup_id == crypto.lookup_id(normal))
    ).all()
    for req in candidates:
        private = crypto.code_key(normal, req.code_salt)
        if bytes(private.public_key) == req.reply_public_key:
            return req, private
    raise BadCode()


def survivor_messages(req: HelpRequest, code_key: PrivateKey) -> list[Message]:
    """The conversation as the code holder reads it."""
    out = []
    for msg in req.messages:
        try:
            text = crypto.open_with(code_key, msg.survivor_box)
        except CryptoError:
            logger.warning("message %s does not open with its request key", msg.id)
            continue
        out.append(Message(msg.from_team, text, msg.sent_on))
    return out


def _add_message(ring: CaseKeyring, req: HelpRequest, text: str, today: date, author: User | None) -> CaseMessage:
    hold_key(ring)
    msg = CaseMessage(
        request=req,
        from_team=author is not None,
        author_id=author.id if author else None,
        key_version=ring.version,
        team_box=ring.seal(text),
        survivor_box=crypto.seal_to(req.reply_public_key, text),
        sent_on=today,
    )
    db.session.add(msg)
    return msg


def survivor_reply(ring: CaseKeyring, req: HelpRequest, text: str, today: date) -> CaseMessage:
    """The survivor writes back; the case shows as unread in the queue."""
    msg = _add_message(ring, req, text, today, None)
    req.unread = True
    if req.status == Status.CLOSED.value:
        req.status, req.closed_on = Status.IN_PROGRESS.value, None
    db.session.commit()
    return msg


def _scrub_takedowns(request_id: int) -> None:
    """Keep a deleted case's takedown reports for the aggregates, without anything that could
    point back to the survivor."""
    db.session.execute(
        update(Takedown)
        .where(Takedown.request_id == request_id)
        .values(request_id=None, details_box=None, key_version=None, target="", notes="", reference="")
    )


def _delete_request(req: HelpRequest) -> None:
    _scrub_takedowns(req.id)
    db.session.delete(req)


def survivor_delete(req: HelpRequest) -> None:
    """Delete the request now, with its messages and notes (no grace period, no copy kept)."""
    request_id = req.id
    _delete_request(req)
    record(None, "intake.deleted_on_request", "help_request", request_id)
    db.session.commit()
    logger.info("help request %s deleted at the survivor's request", request_id)


# --- the caseworkers' side --------------------------------------------------------------------


def caseworkers() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == Role.CASEWORKER.value, User.disabled_at.is_(None))
            .order_by(User.display_name, User.email)
        )
    )


def queue(status: str = "", mine: User | None = None) -> list[HelpRequest]:
    """Every request of the queue, in its order (see `queue_query`)."""
    return list(db.session.scalars(queue_query(status, mine)))


def queue_query(status: str = "", mine: User | None = None) -> Select[HelpRequest]:
    """Requests for the queue, ordered in SQL so it can be paged: open ones first, then by the
    nearest reminder (none last), newest first."""
    stmt = select(HelpRequest)
    if status:
        stmt = stmt.where(HelpRequest.status == status)
    if mine is not None:
        stmt = stmt.where(HelpRequest.assignee_id == mine.id)
    return stmt.order_by(
        case((HelpRequest.status == Status.CLOSED.value, 1), else_=0),
        case((HelpRequest.remind_on.is_(None), 1), else_=0),
        HelpRequest.remind_on,
        HelpRequest.id.desc(),
    )


def get(request_id: int) -> HelpRequest | None:
    return db.session.get(HelpRequest, request_id)


def open_case(ring: CaseKeyring, req: HelpRequest, actor: User) -> CaseView:
    """The case for a caseworker: audit-logged; decrypted (and logged as such) when unlocked."""
    view = CaseView(req)
    record(actor, "intake.case_viewed", "help_request", req.id)
    if ring.unlocked:
        view.answers = Answers.from_json(ring.open(req.answers_box))
        view.messages = [
            Message(m.from_team, ring.open(m.team_box), m.sent_on, _name(m.author)) for m in req.messages
        ]
        view.notes = [Message(True, ring.open(n.box), n.written_on, _name(n.author)) for n in req.notes]
        req.unread = False
        record(actor, "intake.decrypted", "help_request", req.id,
               f"answers=1,messages={len(view.messages)},notes={len(view.notes)}")
    db.session.commit()
    return view


def _name(user: User | None) -> str:
    return (user.display_name or user.email) if user else ""


def clean_tags(raw: str) -> list[str]:
    tags: list[str] = []
    for part in raw.replace("，", ",").split(","):
        tag = " ".join(part.split())[:MAX_TAG_LEN].lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def update_case(
    req: HelpRequest,
    actor: User,
    *,
    status: str,
    assignee_id: int | None,
    tags: str,
    remind_on: date | None,
    today: date,
) -> HelpRequest:
    """Change the status, assignee, tags and reminder of a case."""
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or not assignee.has_role(Role.CASEWORKER):
            raise NotCaseworker()
    status = Status(status).value
    changes = []
    if status != req.status:
        changes.append(f"status={status}")
        req.status = status
        req.closed_on = today if status == Status.CLOSED.value else None
    if assignee_id != req.assignee_id:
        changes.append(f"assignee={assignee_id or '-'}")
        req.assignee_id = assignee_id
    new_tags = ",".join(clean_tags(tags))
    if new_tags != req.tags:
        changes.append("tags")
        req.tags = new_tags
    if remind_on != req.remind_on:
        changes.append("reminder")
        req.remind_on = remind_on
    if changes:
        record(actor, "intake.case_updated", "help_request", req.id, ",".join(changes))
    db.session.commit()
    return req


def add_note(ring: CaseKeyring, req: HelpRequest, actor: User, text: str, today: date) -> CaseNote:
    """A private note, sealed to the team key (writing needs no unlock)."""
    hold_key(ring)
    note = CaseNote(request=req, author_id=actor.id, key_version=ring.version, box=ring.seal(text), written_on=today)
    db.session.add(note)
    record(actor, "intake.note_added", "help_request", req.id)
    db.session.commit()
    return note


def team_reply(ring: CaseKeyring, req: HelpRequest, actor: User, text: str, today: date) -> CaseMessage:
    """A message to the survivor, readable with their receipt code (the case counts as read)."""
    msg = _add_message(ring, req, text, today, actor)
    req.unread = False
    record(actor, "intake.message_sent", "help_request", req.id)
    db.session.commit()
    return msg


def purge_expired(today: date, retention_days: int) -> int:
    """Delete cases closed more than `retention_days` ago; return how many."""
    cutoff = today - timedelta(days=retention_days)
    ids = list(
        db.session.scalars(
            select(HelpRequest.id).where(
                HelpRequest.status == Status.CLOSED.value, HelpRequest.closed_on < cutoff
            )
        )
    )
    for request_id in ids:
        _scrub_takedowns(request_id)
    if ids:
        db.session.execute(delete(CaseMessage).where(CaseMessage.request_id.in_(ids)))
        db.session.execute(delete(CaseNote).where(CaseNote.request_id.in_(ids)))
        db.session.execute(delete(HelpRequest).where(HelpRequest.id.in_(ids)))
        record(None, "intake.retention_purge", "help_request", "", f"deleted={len(ids)}")
    db.session.commit()
    if ids:
        logger.info("retention: deleted %s closed help requests", len(ids))
    return len(ids)


def staff_figures() -> list[Figure]:
    """The staff home's casework to-do: help requests nobody has triaged yet (caseworkers only)."""
    waiting = db.session.scalar(
        select(func.count(HelpRequest.id)).where(HelpRequest.status == Status.NEW.value)) or 0
    return [Figure(_l("Cases awaiting triage"), waiting, "intake.queue", (("status", Status.NEW.value),), todo=True)]
