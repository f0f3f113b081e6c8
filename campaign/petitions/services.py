"""Signing, confirming, withdrawing and delivering petitions. One transaction per function."""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from blinker import Namespace
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, bindparam, cast, delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from campaign import abuse, claims, erasure, happenings, tokens, worker
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.extensions import db, rowcount, table_of
from campaign.features import Figure, Lane
from campaign.i18n import languages, locale_code
from campaign.links import absolute_url
from campaign.mail import services as mail
from campaign.mail.skeleton import Skeleton, slot
from campaign.markup import render_markdown, render_translations
from campaign.newsletter.services import subscribe_confirmed
from campaign.petitions.milestones import note_count_change, parse_milestones
from campaign.petitions.models import (
    TRANSLATED,
    Display,
    Petition,
    PetitionStatus,
    Signature,
    SignatureStatus,
)
from campaign.privacy import normalise_email
from campaign.timeutil import org_midnight, org_today, utcnow

logger = logging.getLogger(__name__)

CONFIRM_PURPOSE = "petition-confirm"
WITHDRAW_PURPOSE = "petition-withdraw"
CONFIRM_DAYS = 7
WITHDRAW_DAYS = 366  # the withdraw link in the confirmation mail keeps working for a year
RESEND_AFTER = timedelta(minutes=10)
# Share channels a `?src=` may name; anything else is stored as "".
CHANNELS = ("weibo", "wechat", "telegram", "x", "whatsapp", "email", "link", "poster")


class PetitionError(Exception):
    """Base of this feature's errors."""


class PetitionNotFound(PetitionError):
    """No petition is published at this address."""


class PetitionClosed(PetitionError):
    """The petition is not open for signing."""


class AlreadySigned(PetitionError):
    """This address has signed this petition already."""

    def __init__(self, confirmed: bool, resent: bool) -> None:
        super().__init__("already signed")
        self.confirmed = confirmed
        self.resent = resent


class LinkInvalid(PetitionError):
    """A confirm or withdraw link is broken, expired or already used up."""


class SlugTaken(PetitionError):
    """Another petition uses this address."""


# Sent with a petition id (None: any petition) after a change to what its public page shows
# commits: an edit, a confirmation, a withdrawal, a signature or comment hidden or shown, an
# erasure. The process that made the change drops its cached page parts at once; other
# processes re-read theirs within PETITION_PAGE_SECONDS (campaign/petitions/page.py).
_signals = Namespace()
petition_changed = _signals.signal("petition-changed")


@dataclass(frozen=True)
class PageState:
    """What a petition page needs on every request: one row, no ORM object."""

    id: int
    status: str
    closes_on: date | None
    updated_at: datetime
    goal: int
    signature_count: int
    milestone_reached: int
    # The organisation's date when the row was read: the rush path answers outside any app
    # context, and a state is re-read every PETITION_PAGE_SECONDS, so it is never stale by more.
    today: date

    @property
    def is_open(self) -> bool:
        if self.status != PetitionStatus.OPEN.value:
            return False
        return self.closes_on is None or self.closes_on >= self.today


_PETITIONS = Petition.__table__
# Core, not the ORM: no objects to build for a row read on the busiest page.
_PAGE_STATE = select(
    _PETITIONS.c.id, _PETITIONS.c.status, _PETITIONS.c.closes_on, _PETITIONS.c.updated_at, _PETITIONS.c.goal,
    _PETITIONS.c.signature_count, _PETITIONS.c.milestone_reached,
).where(_PETITIONS.c.slug == bindparam("slug"))


def page_state(slug: str) -> PageState | None:
    """The petition's id, state, edit time, goal and count, in one small query."""
    row = db.session.connection().execute(_PAGE_STATE, {"slug": slug}).first()
    return PageState(*row, today=org_today()) if row is not None else None


# --- milestones ---------------------------------------------------------------------------------


def next_milestone(count: int) -> int:
    """The first goal above `count` from 100, 500, 1,000, 5,000, 10,000, 50,000, 100,000, ..."""
    goal = 100
    while goal <= count:
        goal = goal * 5 if str(goal).startswith("1") else goal * 2
    return goal


# --- petitions ----------------------------------------------------------------------------------


def find_by_slug(slug: str) -> Petition | None:
    return db.session.scalar(select(Petition).where(Petition.slug == slug))


def open_petitions() -> Sequence[Petition]:
    stmt = select(Petition).where(Petition.status == PetitionStatus.OPEN.value).order_by(Petition.created_at.desc())
    return [p for p in db.session.scalars(stmt) if p.is_open]


def all_petitions() -> Sequence[Petition]:
    return db.session.scalars(select(Petition).order_by(Petition.created_at.desc())).all()


def preview(texts: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """The editor's preview, per configured language: `texts` maps each translated field to its
    `{locale code: text}` as typed; the body comes back sanitised as `body_html`. Saves nothing."""
    shown: dict[str, dict[str, str]] = {}
    for lang in languages().ordered:
        values = {name: (texts.get(name) or {}).get(lang.code, "") for name in TRANSLATED}
        values["body_html"] = render_markdown(values["body"])
        shown[lang.code] = values
    return shown


def save_petition(petition: Petition | None, fields: dict[str, Any], actor: User) -> Petition:
    """Create or update a petition from form data (each translated field a `{locale code: text}`);
    the Markdown is rendered once, here."""
    slug = fields["slug"]
    clash = db.session.scalar(select(Petition.id).where(Petition.slug == slug))
    if clash is not None and (petition is None or clash != petition.id):
        raise SlugTaken(slug)
    created = petition is None
    if petition is None:
        petition = Petition(slug=slug, signature_count=0)
        db.session.add(petition)
    for name in ("slug", "status", "goal", "closes_on"):
        setattr(petition, name, fields[name])
    petition.milestones = ",".join(str(m) for m in parse_milestones(fields.get("milestones") or ""))
    petition.embed_origins = "\n".join(fields.get("embed_origins") or [])
    for name in TRANSLATED:
        petition.set_text(name, fields.get(name))
    petition.body_html = render_translations(petition.body)
    # A goal already passed would show a full bar: raise it to the next milestone.
    if petition.goal <= petition.signature_count:
        petition.goal = next_milestone(petition.signature_count)
    db.session.flush()
    audit.record(actor, "petition.create" if created else "petition.edit", "petition", petition.id)
    db.session.commit()
    petition_changed.send(petition.id)
    return petition


# --- signing ------------------------------------------------------------------------------------


_DISPLAYS = frozenset(d.value for d in Display)
_SIGNATURES = table_of(Signature)
# What a new signature row holds; everything but the petition id comes from bound parameters.
_NEW_SIGNATURE_COLUMNS = (
    "email", "name", "region", "comment", "display", "newsletter", "updates", "locale", "src", "status",
    "created_at", "hidden", "comment_hidden", "mail_due",
)
# The rush path in one round trip: insert only if the petition is open, return the new id.
# A constant statement, compiled once and cached after.
_INSERT_IF_OPEN = (
    insert(_SIGNATURES)
    .from_select(
        ["petition_id", *_NEW_SIGNATURE_COLUMNS],
        select(
            Petition.id,
            *(bindparam(name, type_=_SIGNATURES.c[name].type) for name in _NEW_SIGNATURE_COLUMNS),
        ).where(
            Petition.slug == bindparam("slug"),
            Petition.status == PetitionStatus.OPEN.value,
            or_(Petition.closes_on.is_(None), Petition.closes_on >= bindparam("today")),
        ),
        include_defaults=False,
    )
    .returning(_SIGNATURES.c.id, _SIGNATURES.c.petition_id)
)


def sign(
    slug: str,
    *,
    email: str,
    name: str,
    region: str = "",
    comment: str = "",
    display: str = Display.INITIALS.value,
    newsletter: bool = False,
    updates: bool = False,
    locale: str = "zh_Hans",
    src: str = "",
    send_mail: bool = True,
) -> int:
    """Record a pending signature and return its id; the worker mails the confirmation link.

    `send_mail=False` (a trusted import, confirmed at once by the caller) queues no mail.

    The unique constraint on (petition, email) decides races: the loser gets AlreadySigned.
    This is the rush path, so it is one INSERT ... SELECT and a commit, with no ORM session
    and no separate lookup: see bench/signing.py for what each step costs.
    """
    address = normalise_email(email)
    now = utcnow()
    params = {
        "slug": slug,
        "today": org_today(),
        "email": address,
        "name": name.strip(),
        "region": region.strip(),
        "comment": comment.strip(),
        "display": display if display in _DISPLAYS else Display.INITIALS.value,
        "newsletter": newsletter,
        "updates": updates,
        "locale": locale_code(locale),
        "src": src if src in CHANNELS else "",
        "status": SignatureStatus.PENDING.value,
        "created_at": now,
        "hidden": False,
        "comment_hidden": False,
        "mail_due": send_mail,
    }
    try:
        # A Core transaction of its own: the ORM session's bookkeeping is not needed here.
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # A pending signature may skip waiting for the disk flush: a crash could lose the
                # last fraction of a second of them (never corrupt anything), and their signers
                # would get no mail and sign again. Confirming, which counts, stays fully durable.
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            inserted = connection.execute(_INSERT_IF_OPEN, params).first()
            if inserted is not None and send_mail:
                worker.notify_in(connection, Lane.MAIL)
    except IntegrityError:
        petition_id = db.session.scalar(select(Petition.id).where(Petition.slug == slug))
        raise _already_signed(petition_id or 0, address, remind=send_mail) from None
    if inserted is None:
        petition = find_by_slug(slug)
        if petition is None or petition.status == PetitionStatus.DRAFT.value:
            raise PetitionNotFound(slug)
        raise PetitionClosed()
    worker.wake(Lane.MAIL)  # its confirmation mail is composed and sent by the MAIL lane
    return int(inserted.id)


def _already_signed(petition_id: int, address: str, remind: bool = True) -> AlreadySigned:
    """Ask the worker to mail the earlier signer again (rate-limited): the confirmation link if
    still pending, "you have signed already" if confirmed. The page says neither. Not when
    `remind` is off (a trusted import run twice mails nobody)."""
    existing = db.session.scalar(
        select(Signature).where(Signature.petition_id == petition_id, Signature.email == address)
    )
    if existing is None:
        return AlreadySigned(confirmed=False, resent=False)
    if not remind:
        return AlreadySigned(confirmed=existing.status == SignatureStatus.CONFIRMED.value, resent=False)
    now = utcnow()
    resent = rowcount(db.session.execute(
        update(Signature)
        .where(
            Signature.id == existing.id,
            Signature.mail_due.is_(False),
            or_(Signature.last_mailed_at.is_(None), Signature.last_mailed_at <= now - RESEND_AFTER),
        )
        .values(mail_due=True)
    ))
    if resent:
        worker.wake_after_commit(Lane.MAIL)
    db.session.commit()
    return AlreadySigned(confirmed=existing.status == SignatureStatus.CONFIRMED.value, resent=bool(resent))


def _state(signature: Signature) -> str:
    # Bound into links: a row id reused after a deletion does not match the old links.
    return signature.created_at.isoformat()


def confirm_link(signature: Signature) -> str:
    return absolute_url("petitions.confirm", token=tokens.make(CONFIRM_PURPOSE, signature.id, _state(signature)))


def withdraw_link(signature: Signature) -> str:
    return absolute_url("petitions.withdraw", token=tokens.make(WITHDRAW_PURPOSE, signature.id, _state(signature)))


def signature_from_token(purpose: str, token: str) -> Signature:
    """The signature a mailed link names, or LinkInvalid."""
    max_age = (CONFIRM_DAYS if purpose == CONFIRM_PURPOSE else WITHDRAW_DAYS) * 86400
    try:
        return tokens.open_link(purpose, token, max_age, Signature, _state)
    except tokens.TokenInvalid:
        raise LinkInvalid() from None


def confirm(signature: Signature) -> bool:
    """Confirm a pending signature and count it; returns False if it was confirmed already."""
    now = utcnow()
    won = rowcount(db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.status == SignatureStatus.PENDING.value)
        .values(status=SignatureStatus.CONFIRMED.value, confirmed_at=now, mail_due=False)
    ))
    if not won:
        db.session.rollback()
        return False
    db.session.execute(
        update(Petition)
        .where(Petition.id == signature.petition_id)
        # A count is not an edit: updated_at keeps the last edit, which keys cached pages.
        .values(signature_count=Petition.signature_count + 1, updated_at=Petition.updated_at)
    )
    count = db.session.scalar(select(Petition.signature_count).where(Petition.id == signature.petition_id)) or 0
    db.session.execute(
        update(Petition)
        .where(Petition.id == signature.petition_id, Petition.goal <= count)
        .values(goal=next_milestone(count), updated_at=Petition.updated_at)
    )
    happenings.record(happenings.SIGNATURE_CONFIRMED, "petition_signature", signature.id)
    if signature.newsletter:
        subscribe_confirmed(
            signature.email, signature.name, signature.locale, source=f"petition:{signature.petition_id}"
        )
    if signature.updates:
        # Consent to this petition's news only: reached by its updates audience, not the newsletter.
        subscribe_confirmed(signature.email, signature.name, signature.locale,
                            source=f"petition-updates:{signature.petition_id}", general=False)
    note_count_change(signature.petition_id)
    db.session.commit()
    petition_changed.send(signature.petition_id)
    db.session.refresh(signature)
    return True


def withdraw(signature: Signature) -> None:
    """Delete the signature with its personal data; a confirmed one leaves the count."""
    deleted = db.session.execute(
        delete(Signature).where(Signature.id == signature.id).returning(Signature.status)
    ).scalar()
    if deleted == SignatureStatus.CONFIRMED.value:
        db.session.execute(
            update(Petition)
            .where(Petition.id == signature.petition_id)
            .values(signature_count=Petition.signature_count - 1, updated_at=Petition.updated_at)
        )
    db.session.commit()
    erasure.settle(["petition_signatures"])
    petition_changed.send(signature.petition_id)


def latest_public(petition: Petition, limit: int = 10) -> Sequence[Signature]:
    return latest_public_by_id(petition.id, limit)


def latest_public_by_id(petition_id: int, limit: int = 10) -> Sequence[Signature]:
    """The latest confirmed signatures that are not hidden, newest first."""
    stmt = (
        select(Signature)
        .where(
            Signature.petition_id == petition_id,
            Signature.status == SignatureStatus.CONFIRMED.value,
            Signature.hidden.is_(False),
        )
        .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
        .limit(limit)
    )
    return db.session.scalars(stmt).all()


# --- the worker's side --------------------------------------------------------------------------


def send_due_confirmations(limit: int = 500) -> int:
    """Compose and queue confirmation mails for new (or re-requested) pending signatures, and a
    "you have signed already" mail when a confirmed signer's address was used again.

    Composing a mail costs more than the rest of signing, so it happens here, off the request.
    A batch is claimed in one statement (safe with several workers), each petition's mail is
    rendered once per language and filled in per signer (mail.skeleton), and the mails are queued
    in one statement: claiming the rows and queuing their mail share one transaction, so neither
    happens without the other. A signature whose mail cannot be built fails alone (mail_error).
    """
    now = utcnow()
    claimed = [row.id for row in claims.claim(
        Signature, Signature.mail_due.is_(True), {"mail_due": False, "last_mailed_at": now}, limit
    )]
    if not claimed:
        db.session.commit()
        return 0
    rows = db.session.execute(
        select(Signature, Petition)
        .join(Petition, Petition.id == Signature.petition_id)
        .where(Signature.id.in_(claimed),
               Signature.status.in_([SignatureStatus.PENDING.value, SignatureStatus.CONFIRMED.value]))
        .order_by(Signature.id)
    ).all()
    skeletons: dict[tuple[int, str], Skeleton] = {}
    built: list[tuple[str, bytes]] = []
    sent = 0
    # The cap on unsolicited mail, counted for the whole batch in one statement.
    allowed = abuse.allow_unsolicited_many([signature.email for signature, _petition in rows])
    for (signature, petition), may_mail in zip(rows, allowed, strict=True):
        if not may_mail:
            continue  # the signer saw the usual answer; the address has had its mails for today
        try:
            if signature.status == SignatureStatus.CONFIRMED.value:
                _queue_already_signed(signature, petition)  # signed again: the address learns it
            elif mail.needs_smtputf8(signature.email):
                _queue_confirmation(signature, petition)  # the general path (SMTPUTF8 policy)
            else:
                key = (petition.id, signature.locale)
                if key not in skeletons:
                    skeletons[key] = _confirmation_skeleton(petition, signature.locale)
                built.append((signature.email, skeletons[key].message(signature.email, {
                    "CONFIRM": confirm_link(signature), "WITHDRAW": withdraw_link(signature),
                })))
        except Exception as exc:  # one unsendable signature must not hold back every later one
            signature.mail_error = f"unsendable: {type(exc).__name__}"
            logger.warning("signature %s: no confirmation mail (%s)", signature.id, type(exc).__name__)
            continue
        if signature.mail_error:
            signature.mail_error = ""
        sent += 1
    mail.queue_built(built)
    db.session.commit()
    return sent


def _confirmation_subject(petition: Petition, locale: str) -> tuple[str, object]:
    title = petition.text("title", locale)
    return title, _l("Please confirm your signature: %(title)s", title=title)


def _confirmation_skeleton(petition: Petition, locale: str) -> Skeleton:
    title, subject = _confirmation_subject(petition, locale)
    return Skeleton("petition_confirm", locale, subject, title=title, confirm_link=slot("CONFIRM"),
                    withdraw_link=slot("WITHDRAW"), days=CONFIRM_DAYS)


def _queue_already_signed(signature: Signature, petition: Petition) -> None:
    """Someone signed again with a confirmed signer's address: tell the address, not the page."""
    from flask_babel import lazy_gettext as _l

    title = petition.text("title", signature.locale)
    mail.send_template(signature.email, "petition_already", signature.locale,
                       _l("You have signed already: %(title)s", title=title),
                       title=title, withdraw_link=withdraw_link(signature))


def _queue_confirmation(signature: Signature, petition: Petition) -> None:
    title, subject = _confirmation_subject(petition, signature.locale)
    # Address only: the name was typed by whoever filled the form, maybe not the address's owner.
    mail.send_template(
        signature.email,
        "petition_confirm",
        signature.locale,
        subject,
        title=title,
        confirm_link=confirm_link(signature),
        withdraw_link=withdraw_link(signature),
        days=CONFIRM_DAYS,
    )


def purge_pending(days: int) -> int:
    """Delete signatures still unconfirmed after `days` days, with all they hold."""
    cutoff = utcnow() - timedelta(days=days)
    removed = rowcount(db.session.execute(
        delete(Signature).where(
            Signature.status == SignatureStatus.PENDING.value, Signature.created_at < cutoff
        )
    ))
    db.session.commit()
    if removed:
        logger.info("removed %s unconfirmed signatures", removed)
    return removed


# --- data rights (campaign.rights) ---------------------------------------------------------------


def collect_personal_data(address: str) -> list[dict[str, Any]]:
    """Every signature an address made, for the person's own copy of their data."""
    rows = db.session.execute(
        select(Signature, Petition.slug)
        .join(Petition, Petition.id == Signature.petition_id)
        .where(Signature.email == address)
        .order_by(Signature.id)
    ).all()
    return [
        {
            "petition": slug, "name": sig.name, "shown_as": sig.display, "region": sig.region,
            "comment": sig.comment, "newsletter": sig.newsletter, "updates": sig.updates, "source": sig.source,
            "status": sig.status, "channel": sig.src,
            "signed_at": _iso(sig.created_at), "confirmed_at": _iso(sig.confirmed_at),
        }
        for sig, slug in rows
    ]


def erase_personal_data(address: str) -> int:
    """Erase an address's signatures in the caller's transaction (no commit).

    Pending ones go; confirmed ones stay counted as anonymous signatures with no name, region,
    comment or address (the address becomes `erased-<id>`, which no one can sign with).
    """
    pending = rowcount(db.session.execute(
        delete(Signature).where(Signature.email == address, Signature.status == SignatureStatus.PENDING.value)
    ))
    confirmed = rowcount(db.session.execute(
        update(Signature)
        .where(Signature.email == address)
        .values(
            email=literal("erased-") + cast(Signature.id, String),
            name="", region="", comment="", display=Display.ANONYMOUS.value, newsletter=False, updates=False,
            mail_due=False, last_mailed_at=None,
        )
        .execution_options(synchronize_session=False)
    ))
    petition_changed.send(None)  # names in public lists change: every petition's cached list goes
    return int(pending + confirmed)


# --- organisers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureFilter:
    q: str = ""
    status: str = ""
    region: str = ""
    src: str = ""
    hidden: str = ""  # "", "hidden", "visible"


def signature_query(petition: Petition, filters: SignatureFilter) -> Select[Signature]:
    stmt = select(Signature).where(Signature.petition_id == petition.id)
    if filters.q:
        needle = filters.q.strip()
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Signature.email == normalise_email(needle),
                Signature.name.ilike(pattern, escape="\\"),
                Signature.comment.ilike(pattern, escape="\\"),
            )
        )
    if filters.status:
        stmt = stmt.where(Signature.status == filters.status)
    if filters.region:
        stmt = stmt.where(Signature.region == filters.region)
    if filters.src:
        stmt = stmt.where(Signature.src == filters.src)
    if filters.hidden == "hidden":
        stmt = stmt.where(or_(Signature.hidden.is_(True), Signature.comment_hidden.is_(True)))
    elif filters.hidden == "visible":
        stmt = stmt.where(Signature.hidden.is_(False))
    return stmt.order_by(Signature.created_at.desc(), Signature.id.desc())


def set_hidden(signature: Signature, part: str, hidden: bool, actor: User) -> None:
    """Hide or show a signature (`part="signature"`) or its comment in public lists."""
    if part == "comment":
        signature.comment_hidden = hidden
    else:
        signature.hidden = hidden
    action = f"petition.{part}.{'hide' if hidden else 'show'}"
    audit.record(actor, action, "petition_signature", signature.id, detail=f"petition {signature.petition_id}")
    db.session.commit()
    petition_changed.send(signature.petition_id)


def channel_counts(petition: Petition) -> list[tuple[str, int]]:
    """Confirmed signatures per share channel, biggest first."""
    rows = db.session.execute(
        select(Signature.src, func.count())
        .where(Signature.petition_id == petition.id, Signature.status == SignatureStatus.CONFIRMED.value)
        .group_by(Signature.src)
        .order_by(func.count().desc())
    ).all()
    return [(src, n) for src, n in rows]


def _confirmed(petition: Petition) -> Select[Signature]:
    return (
        select(Signature)
        .where(Signature.petition_id == petition.id, Signature.status == SignatureStatus.CONFIRMED.value)
        .order_by(Signature.confirmed_at, Signature.id)
    )


def delivery_rows(petition: Petition) -> Iterator[tuple[int, str, str, date | None]]:
    """(number, name as the signer chose, region, date) for every confirmed signature."""
    stmt = _confirmed(petition).execution_options(yield_per=1000)
    for number, sig in enumerate(db.session.scalars(stmt), 1):
        when = sig.confirmed_at.date() if sig.confirmed_at else None
        yield number, sig.public_name, sig.region, when


def record_full_export(petition: Petition, actor: User) -> None:
    """Write the audit entry for an export that reveals email addresses (before any is sent)."""
    audit.record(actor, "petition.export_full", "petition", petition.id)
    db.session.commit()


def full_export_rows(petition: Petition) -> Iterator[tuple[Any, ...]]:
    """Every confirmed signature with its email address (call record_full_export first)."""
    stmt = _confirmed(petition).execution_options(yield_per=1000)
    for sig in db.session.scalars(stmt):
        paper_without_email = sig.source == "paper" and sig.email.startswith("paper-")
        yield (
            "" if paper_without_email else sig.email, sig.name, sig.display, sig.region, sig.comment, sig.src,
            _iso(sig.confirmed_at), "yes" if sig.newsletter else "no", sig.source,
        )


def _iso(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def staff_figures() -> list[Figure]:
    """The staff home's petition figures: confirmed signatures today and in the last 7 days (days
    of the organisation's time zone), and each open petition's count against its goal under its
    title, each linking to its signature list."""
    midnight = org_midnight()
    confirmed = select(func.count(Signature.id)).where(Signature.status == SignatureStatus.CONFIRMED.value)
    today = db.session.scalar(confirmed.where(Signature.confirmed_at >= midnight)) or 0
    week = db.session.scalar(confirmed.where(Signature.confirmed_at >= midnight - timedelta(days=6))) or 0
    out = [Figure(_l("Signatures today"), today, "petitions.staff_list"),
           Figure(_l("Signatures this week"), week, "petitions.staff_list")]
    locale = locale_code(get_locale())
    for petition in open_petitions():
        against = str(_l("%(count)s of %(goal)s", count=petition.signature_count, goal=petition.goal))
        out.append(Figure(petition.text("title", locale), against,
                          "petitions.signatures", (("petition_id", str(petition.id)),)))
    return out
