"""Subscribing, preferences, list import and the life of an issue (compose, send, publish)."""
from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, and_, cast, false, func, insert, literal, or_, select, update

from campaign import happenings, notices, tokens, worker
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.content import written
from campaign.extensions import db
from campaign.features import Figure, Lane, Leave
from campaign.i18n import languages, locale_code
from campaign.links import absolute_url
from campaign.mail import services as mail
from campaign.newsletter import compose, dispatch, segments
from campaign.newsletter.models import (
    ImportJob,
    ImportStatus,
    Issue,
    IssueStatus,
    IssueTemplate,
    OutboxRow,
    OutboxStatus,
    Subscriber,
    SubscriberStatus,
)
from campaign.privacy import normalise_email
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)

TOPICS = {
    "campaign": _l("Campaign news"),
    "policy": _l("Policy and law"),
    "support": _l("Support for survivors"),
    "events": _l("Events and actions"),
}
CONFIRM_PURPOSE = "newsletter.confirm"
CONFIRM_DAYS = 7
EDITABLE = {IssueStatus.DRAFT.value, IssueStatus.SCHEDULED.value}
PROGRESS_EVERY = 1000  # rows between progress updates of a list import


class NewsletterError(Exception):
    """A newsletter action that cannot be done; the message is shown to the user."""


class LinkInvalid(NewsletterError):
    """A mailed link that is broken, expired or no longer valid."""


# --- subscribers ------------------------------------------------------------------------------


def _clean_topics(topics: Iterable[str]) -> str:
    return ",".join(t for t in TOPICS if t in set(topics))


def request_subscription(email: str, name: str, locale: str, topics: Iterable[str]) -> None:
    """Take a sign-up from the public form. The request does the same for every address (one
    notice, one commit); the worker decides what to mail (`handle_subscription`)."""
    notices.queue("newsletter.subscribe", normalise_email(email), locale_code(locale),
                  name=name.strip()[:100], topics=_clean_topics(topics))
    db.session.commit()


def handle_subscription(notice: notices.Notice) -> None:
    """Worker: a new or pending address gets the confirmation link; a confirmed one a note that
    nothing changed (with its preferences link). Either way, only the address's owner learns it."""
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == notice.address))
    if subscriber is not None and subscriber.status == SubscriberStatus.CONFIRMED.value and subscriber.general:
        link = absolute_url("newsletter.preferences", token=compose.manage_token(subscriber.id))
        mail.send_unsolicited(subscriber.email, "newsletter_already", subscriber.locale,
                          _l("You are already subscribed"), link=link)
        return
    if subscriber is None:
        subscriber = Subscriber(email=notice.address, source="form")
        db.session.add(subscriber)
    subscriber.name = str(notice.data.get("name", ""))[:100]
    subscriber.locale = locale_code(notice.locale)
    subscriber.topics = str(notice.data.get("topics", ""))
    if subscriber.status != SubscriberStatus.CONFIRMED.value:
        # A confirmed subscriber to one petition's updates keeps getting them while the newsletter waits.
        subscriber.status = SubscriberStatus.PENDING.value
    subscriber.source = "form"
    db.session.flush()
    link = absolute_url("newsletter.confirm", token=tokens.make(CONFIRM_PURPOSE, subscriber.id, subscriber.email))
    mail.send_unsolicited(subscriber.email, "newsletter_confirm", subscriber.locale,
                      _l("Please confirm your newsletter subscription"), link=link,
                      days=CONFIRM_DAYS)




def read_confirm_token(token: str) -> Subscriber:
    """The pending subscriber a confirmation link names, or LinkInvalid."""
    try:
        return tokens.open_link(
            CONFIRM_PURPOSE, token, CONFIRM_DAYS * 24 * 3600, Subscriber, lambda subscriber: subscriber.email
        )
    except tokens.TokenExpired:
        raise LinkInvalid(_l("This confirmation link has expired. Please subscribe again.")) from None
    except tokens.TokenInvalid:
        raise LinkInvalid(_l("This link is not valid.")) from None


def confirm(token: str) -> Subscriber:
    """Confirm the address a link was sent to."""
    subscriber = read_confirm_token(token)
    subscriber.general = True  # the newsletter itself is now wanted, not only one petition's news
    if subscriber.status != SubscriberStatus.CONFIRMED.value:
        subscriber.status = SubscriberStatus.CONFIRMED.value
        subscriber.confirmed_at = utcnow()
        subscriber.unsubscribed_at = None
        happenings.record(happenings.SUBSCRIBER_JOINED, "subscriber", subscriber.id)
    db.session.commit()
    return subscriber


def subscriber_for_link(token: str) -> Subscriber:
    """The subscriber named by a preferences / unsubscribe link, or LinkInvalid."""
    try:
        subscriber_id = compose.read_manage_token(token)
    except tokens.TokenInvalid:
        try:
            subscriber_id, _audience = compose.read_leave_token(token)
        except tokens.TokenInvalid:
            raise LinkInvalid(_l("This link is not valid.")) from None
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise LinkInvalid(_l("This link is not valid."))
    return subscriber


def update_preferences(token: str, locale: str, topics: Iterable[str]) -> Subscriber:
    """Change language and topics from the link in a mail."""
    subscriber = subscriber_for_link(token)
    subscriber.locale = locale_code(locale)
    subscriber.topics = _clean_topics(topics)
    db.session.commit()
    return subscriber


def contact_for_link(token: str) -> str | None:
    """The contact ("volunteer:12") an unsubscribe link in a mail to a contact names, or None."""
    try:
        return compose.read_contact_token(token)
    except tokens.TokenInvalid:
        return None


def withdraw_contact(contact: str) -> None:
    """Joins the caller's transaction: the feature takes back the person's consent to be mailed,
    and their rows not yet handed to a worker are skipped."""
    key, _sep, ident = contact.partition(":")
    source = segments.contact_source(key)
    if source is not None and ident.isdigit():
        source.withdraw(int(ident))
    db.session.execute(
        update(OutboxRow)
        .where(OutboxRow.contact == contact, OutboxRow.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.SKIPPED.value, answer="unsubscribed"),
        execution_options={"synchronize_session": False},
    )
    logger.info("newsletter: contact %s withdrew consent", contact)


@dataclass(frozen=True)
class Leaving:
    """What an unsubscribe link from mail to a leavable audience (a petition's news) leaves."""

    subscriber: Subscriber
    audience: str  # as stored on its issues
    leave: Leave
    value: str | None  # the audience's choice (a petition's id)
    description: str
    everything_token: str  # the subscriber's own token, to leave the whole list instead


def leaving_for_link(token: str) -> Leaving | None:
    """The audience an unsubscribe link leaves alone, or None for a link that leaves the list.

    LinkInvalid when it names a subscriber who is gone."""
    try:
        subscriber_id, stored = compose.read_leave_token(token)
    except tokens.TokenInvalid:
        return None
    subscriber = db.session.get(Subscriber, subscriber_id)
    found = segments.leave_of(stored)
    if subscriber is None:
        raise LinkInvalid(_l("This link is not valid."))
    if found is None:  # the feature is gone: leave the list, as a plain link would
        return None
    leave, value = found
    return Leaving(subscriber, stored, leave, value, leave.describe(value), compose.manage_token(subscriber.id))


def leave_audience(leaving: Leaving) -> None:
    """Stop mail to one audience for this subscriber, at once; the rest of their subscription
    stays. Their rows of issues to that audience not yet handed to a worker are skipped."""
    leaving.leave.withdraw(leaving.value, leaving.subscriber.email)
    db.session.execute(
        update(OutboxRow)
        .where(OutboxRow.subscriber_id == leaving.subscriber.id, OutboxRow.status == OutboxStatus.PENDING.value,
               OutboxRow.issue_id.in_(select(Issue.id).where(Issue.segment == leaving.audience)))
        .values(status=OutboxStatus.SKIPPED.value, answer="unsubscribed"),
        execution_options={"synchronize_session": False},
    )
    logger.info("newsletter: subscriber %s left audience %s", leaving.subscriber.id, leaving.audience)


def unsubscribe(token: str) -> Subscriber | None:
    """Leave the list at once (RFC 8058 one-click); mail not yet handed to a worker is skipped.

    A contact's link (a volunteer who agreed to be mailed) withdraws that consent; None then. A link
    from mail to a leavable audience (a petition's news) leaves that audience alone."""
    contact = contact_for_link(token)
    if contact is not None:
        withdraw_contact(contact)
        db.session.commit()
        return None
    leaving = leaving_for_link(token)
    if leaving is not None:
        leave_audience(leaving)
        db.session.commit()
        return leaving.subscriber
    subscriber = subscriber_for_link(token)
    _leave_list(subscriber)
    db.session.commit()
    return subscriber


def _leave_list(subscriber: Subscriber) -> None:
    """Joins the caller's transaction: off the list at once, and nothing more is sent to them."""
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED.value:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED.value
        subscriber.unsubscribed_at = utcnow()
        happenings.record(happenings.SUBSCRIBER_LEFT, "subscriber", subscriber.id)
    dispatch.skip_pending_for(subscriber.id, "unsubscribed")


def subscribe_confirmed(email: str, name: str, locale: str, source: str, general: bool = True) -> Subscriber:
    """Add a subscriber whose address is already proven (a confirmed signature or sign-up).

    `general=False`: they agreed to one audience only (a petition's updates), not the newsletter.
    Joins the caller's transaction; does not commit. Someone who unsubscribed, bounced or
    complained is not re-subscribed by a side door: only a fresh explicit opt-in does that.
    """
    address = normalise_email(email)
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
    if subscriber is None:
        subscriber = Subscriber(
            email=address, name=name[:100], locale=locale_code(locale), source=source,
            status=SubscriberStatus.PENDING.value, general=general,
        )
        db.session.add(subscriber)
    elif general and not subscriber.general:
        subscriber.general = True
    if subscriber.status == SubscriberStatus.PENDING.value:
        subscriber.status = SubscriberStatus.CONFIRMED.value
        subscriber.confirmed_at = utcnow()
        db.session.flush()  # the new row's id, for the happening
        happenings.record(happenings.SUBSCRIBER_JOINED, "subscriber", subscriber.id)
    return subscriber


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(Subscriber.status, func.count()).group_by(Subscriber.status)).all()
    return {status: int(n) for status, n in rows}


# --- finding a subscriber ---------------------------------------------------------------------

# Addresses show only for a search of at least this many characters: the page finds the person who
# wrote in (to leave, to ask what is kept), it is not for reading the whole list.
SEARCH_MIN = 3


def language_counts() -> dict[str, int]:
    """Subscribed people per stored locale code: which languages an issue should be written in."""
    rows = db.session.execute(
        select(Subscriber.locale, func.count())
        .where(Subscriber.status == SubscriberStatus.CONFIRMED.value)
        .group_by(Subscriber.locale)
    ).all()
    return {locale: int(n) for locale, n in rows}


def subscriber_search(search: str, status: str = "") -> Select[Subscriber]:
    """Subscribers whose address contains `search` (at least SEARCH_MIN characters), newest first."""
    text = search.strip().lower()
    if len(text) < SEARCH_MIN:
        raise NewsletterError(_l("Type at least %(n)d characters of the address.", n=SEARCH_MIN))
    stmt = select(Subscriber).where(Subscriber.email.contains(text, autoescape=True))
    if status:
        stmt = stmt.where(Subscriber.status == status)
    return stmt.order_by(Subscriber.created_at.desc(), Subscriber.id.desc())


def record_search(actor: User, shown: int) -> None:
    """Audit a search that showed addresses (how many, never what was typed: that is an address)."""
    audit.record(actor, "newsletter.subscribers_searched", "subscribers", "", f"{shown} shown")
    db.session.commit()


def unsubscribe_for(subscriber_id: int, actor: User) -> Subscriber:
    """Take someone off the list at their request (they wrote in instead of using the link)."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NewsletterError(_l("No such subscriber."))
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED.value:
        raise NewsletterError(_l("This address had already left the list."))
    _leave_list(subscriber)
    audit.record(actor, "newsletter.unsubscribed_for", "subscriber", subscriber.id)
    db.session.commit()
    return subscriber


def bounced(actor: User) -> list[Subscriber]:
    """The bounced addresses, for an admin to review (the viewing is audited: it shows addresses)."""
    found = list(
        db.session.scalars(
            select(Subscriber).where(Subscriber.status == SubscriberStatus.BOUNCED.value).order_by(Subscriber.id)
        )
    )
    audit.record(actor, "newsletter.bounced_viewed", "subscribers", "", f"{len(found)} shown")
    db.session.commit()
    return found


def reset_bounced(subscriber_id: int, actor: User) -> None:
    """An admin judged a bounce temporary (a full mailbox, a fixed typo): the address receives again."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.status != SubscriberStatus.BOUNCED.value:
        raise NewsletterError(_l("This address is not marked as bounced."))
    subscriber.status = SubscriberStatus.CONFIRMED.value
    subscriber.bounce_reason = ""
    audit.record(actor, "newsletter.bounce_reset", "subscriber", subscriber.id)
    db.session.commit()


# --- import -----------------------------------------------------------------------------------


# Why an imported row was rejected: key (stored) -> message (shown in the reader's language).
REJECT_REASONS = {"missing": _l("no email address"), "invalid": _l("not a valid email address")}


@dataclass
class ImportPreview:
    accepted: list[tuple[str, str, datetime | None]] = field(default_factory=list)  # email, name, date
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # line, value, reason key
    merged: int = 0  # duplicate rows folded into an earlier one
    already: int = 0  # addresses already on the list (kept as they are)
    # Rows the source marks as disabled or unsubscribed: imported as unsubscribed, never mailed.
    opted_out: list[tuple[str, str, datetime | None]] = field(default_factory=list)


def _column(header: list[str], *words: str) -> int | None:
    for index, title in enumerate(header):
        lowered = title.strip().lower()
        if any(word in lowered for word in words):
            return index
    return None


def _opt_out_columns(header: list[str]) -> list[int]:
    """Columns saying a row must not be mailed: Substack's `email_disabled`, an `unsubscribed` flag
    or date, a `status` of unsubscribed."""
    words = ("disabled", "unsubscribed", "opted_out", "opt_out")
    return [i for i, title in enumerate(header) if any(w in title.strip().lower() for w in words)]


_FALSE = {"", "false", "no", "0", "n", "f", "none", "null", "否"}


def _opted_out(row: list[str], columns: list[int]) -> bool:
    return any(i < len(row) and row[i].strip().lower() not in _FALSE for i in columns)


def _parse_date(raw: str) -> datetime | None:
    raw = raw.strip()
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    return None


def preview_import(data: str, progress: Callable[[int, int], None] | None = None) -> ImportPreview:
    """Read a CSV (e.g. a Substack export: email, name, date); nothing is saved.

    `progress(done, total)` is called every PROGRESS_EVERY rows, for a page showing how far it is.
    """
    preview = ImportPreview()
    rows = list(csv.reader(io.StringIO(data)))
    if not rows:
        return preview
    header = rows[0]
    name_col: int | None
    date_col: int | None
    exact = [i for i, title in enumerate(header) if title.strip().lower() in {"email", "e-mail", "email address"}]
    email_col = exact[0] if exact else _column(header, "email", "e-mail", "邮箱", "邮件")
    start = 1
    opt_out_cols: list[int] = []
    if email_col is None:  # no header row: email, name, date
        email_col, name_col, date_col, start = 0, 1, 2, 0
    else:
        opt_out_cols = [i for i in _opt_out_columns(header) if i != email_col]
        name_col = _column(header, "name", "姓名", "名字")
        date_col = _column(header, "date", "created", "subscribed", "时间", "日期")
    seen: set[str] = set()
    known = set(db.session.scalars(select(Subscriber.email)))
    total = len(rows) - start
    for line, row in enumerate(rows[start:], start=start + 1):
        if progress is not None and (line - start) % PROGRESS_EVERY == 0:
            progress(line - start, total)
        if not any(cell.strip() for cell in row):
            continue
        raw = row[email_col].strip() if email_col < len(row) else ""
        if not raw:
            preview.rejected.append((line, "", "missing"))
            continue
        try:
            address = normalise_email(validate_email(raw, check_deliverability=False, allow_smtputf8=False).normalized)
        except EmailNotValidError:
            preview.rejected.append((line, raw[:100], "invalid"))
            continue
        if address in seen:
            preview.merged += 1
            continue
        seen.add(address)
        if address in known:
            preview.already += 1
            continue
        name = row[name_col].strip()[:100] if name_col is not None and name_col < len(row) else ""
        date = _parse_date(row[date_col]) if date_col is not None and date_col < len(row) else None
        if _opted_out(row, opt_out_cols):
            preview.opted_out.append((address, name, date))
        else:
            preview.accepted.append((address, name, date))
    return preview


def _subscriber_rows(preview: ImportPreview, source: str, locale: str) -> list[dict[str, Any]]:
    """Accepted rows as confirmed subscribers; rows the source marks as disabled or unsubscribed
    come in as unsubscribed, so no import revives them."""
    now = utcnow()
    code = locale_code(locale)
    return [
        {
            "email": address, "name": name, "locale": code, "topics": "",
            "status": SubscriberStatus.CONFIRMED.value, "source": f"import:{source}"[:80],
            "created_at": now, "confirmed_at": date or now, "unsubscribed_at": None, "bounce_reason": "",
        }
        for address, name, date in preview.accepted
    ] + [
        {
            "email": address, "name": name, "locale": code, "topics": "",
            "status": SubscriberStatus.UNSUBSCRIBED.value, "source": f"import:{source}"[:80],
            "created_at": now, "confirmed_at": None, "unsubscribed_at": now, "bounce_reason": "",
        }
        for address, name, _date in preview.opted_out
    ]


def import_subscribers(data: str, source: str, locale: str, actor: User | None) -> ImportPreview:
    """Add the accepted rows as confirmed subscribers, with the consent source given (one transaction)."""
    preview = preview_import(data)
    rows = _subscriber_rows(preview, source, locale)
    if rows:
        db.session.execute(insert(Subscriber), rows)
    audit.record(actor, "newsletter.import", "subscribers", "",
                 f"{len(preview.accepted)} added, {len(preview.opted_out)} as unsubscribed")
    db.session.commit()
    return preview


# --- imports as background jobs ------------------------------------------------------------------


class ImportNotReady(NewsletterError):
    pass


def start_import(data: str, source: str, locale: str, actor: User) -> ImportJob:
    """Queue a list import: the worker checks it (a preview with every rejected row), and imports
    it once confirmed. The request returns at once, whatever the size of the file."""
    job = ImportJob(status=ImportStatus.CHECKING.value, data=data, source=source[:80],
                    locale=locale_code(locale), actor_id=actor.id)
    db.session.add(job)
    audit.record(actor, "newsletter.import_start", "newsletter_import", "")
    db.session.commit()
    return job


def get_import(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise LinkInvalid(str(_l("This import does not exist.")))
    return job


def confirm_import(job_id: int, actor: User) -> ImportJob:
    """Ask the worker to import a checked list."""
    job = get_import(job_id)
    if job.status != ImportStatus.READY.value:
        raise ImportNotReady(str(_l("This import is not waiting for confirmation.")))
    job.status = ImportStatus.IMPORTING.value
    job.processed = 0
    job.actor_id = actor.id
    db.session.commit()
    return job


def import_rejections(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(int(line), str(value), str(reason)) for line, value, reason in json.loads(job.rejected or "[]")]


def _claim_import() -> ImportJob | None:
    stmt = (select(ImportJob)
            .where(ImportJob.status.in_([ImportStatus.CHECKING.value, ImportStatus.IMPORTING.value]))
            .order_by(ImportJob.id).limit(1))
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return db.session.scalar(stmt)


def run_import_job() -> int:
    """Worker: check or import one queued list, committing progress as it goes; 1 if it did one.

    Importing goes in batches of PROGRESS_EVERY rows, each committed with the progress; addresses
    already on the list are skipped, so a run that is interrupted resumes without duplicates.
    """
    job = _claim_import()
    if job is None:
        db.session.commit()
        return 0
    claimed: ImportJob = job

    def progress(done: int, total: int) -> None:
        claimed.processed, claimed.total = done, total
        db.session.commit()

    preview = preview_import(job.data, progress)
    if job.status == ImportStatus.CHECKING.value:
        job.status = ImportStatus.READY.value
    else:
        rows = _subscriber_rows(preview, job.source, job.locale)
        for first in range(0, len(rows), PROGRESS_EVERY):
            db.session.execute(insert(Subscriber), rows[first:first + PROGRESS_EVERY])
            progress(min(first + PROGRESS_EVERY, len(rows)), len(rows))
        actor = db.session.get(User, job.actor_id) if job.actor_id else None
        audit.record(actor, "newsletter.import", "subscribers", "", f"{len(rows)} added")
        job.status = ImportStatus.DONE.value
        job.data = ""  # the list now lives in subscribers; no second copy stays
        job.finished_at = utcnow()
    job.added = len(preview.accepted)
    job.merged, job.already = preview.merged, preview.already
    job.rejected = json.dumps(preview.rejected, ensure_ascii=False)
    job.processed = job.total
    db.session.commit()
    logger.info("newsletter import %s: %s", job.id, job.status)
    return 1


# --- issues -----------------------------------------------------------------------------------


@dataclass
class IssueData:
    subject: dict[str, str]  # {locale code: text}
    body: dict[str, str]  # {locale code: Markdown}
    topics: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    segment: str = ""


def _apply(issue: Issue, data: IssueData) -> None:
    issue.set_text("subject", {code: text[:200] for code, text in written(data.subject).items()})
    issue.set_text("body", data.body)
    issue.topics = _clean_topics(data.topics)
    wanted = {locale_code(code) for code in data.languages}
    issue.languages = ",".join(code for code in languages().codes if code in wanted)
    issue.segment = data.segment


def create_issue(data: IssueData, actor: User) -> Issue:
    """Save a new draft."""
    issue = Issue(created_by_id=actor.id)
    _apply(issue, data)
    db.session.add(issue)
    db.session.commit()
    return issue


def get_issue(issue_id: int) -> Issue:
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        raise NewsletterError(_l("No such issue."))
    return issue


def update_issue(issue_id: int, data: IssueData) -> Issue:
    """Change a draft (or a scheduled issue, which stays scheduled)."""
    issue = get_issue(issue_id)
    if issue.status not in EDITABLE:
        raise NewsletterError(_l("This issue has been sent and can no longer be changed."))
    _apply(issue, data)
    db.session.commit()
    return issue


def _sender(issue: Issue, sender: User | None) -> User | None:
    return sender if sender is not None else (
        db.session.get(User, issue.created_by_id) if issue.created_by_id else None)


def audience(issue: Issue, sender: User | None = None) -> Select[int]:
    """Subscriber ids the issue goes to: confirmed, matching topics, languages and segment.

    A segment reaches only people `sender` (by default the issue's author) may see."""
    stmt = select(Subscriber.id).where(Subscriber.status == SubscriberStatus.CONFIRMED.value)
    if not (issue.segment and segments.reaches_limited(issue.segment)):
        stmt = stmt.where(Subscriber.general.is_(True))
    if issue.languages:
        stmt = stmt.where(Subscriber.locale.in_(issue.languages.split(",")))
    if issue.topics:
        # Someone who picked no topic reads everything.
        padded = literal(",") + Subscriber.topics + literal(",")
        stmt = stmt.where(
            or_(Subscriber.topics == "", *[padded.contains(f",{topic},") for topic in issue.topics.split(",")])
        )
    if issue.segment:
        try:
            stmt = stmt.where(Subscriber.id.in_(segments.query(issue.segment, _sender(issue, sender))))
        except segments.UnknownSegment:
            stmt = stmt.where(false())
    return stmt


NOBODY = _l("Nobody would receive this issue: its audience has no recipients. Change the audience first.")


def contact_audience(issue: Issue, sender: User | None = None) -> tuple[str, Select[Any]] | None:
    """(contacts key, SELECT of id, email, name, locale): the people the issue's segment reaches
    outside the subscriber list (volunteers who agreed to be mailed), or None.

    The issue's languages apply; its topics do not (these people chose no topics, they agreed to
    mail about their volunteering). Whoever the subscriber audience already reaches is left out,
    so nobody gets an issue twice, and so are addresses that bounced or complained.
    """
    if not issue.segment:
        return None
    found = segments.contacts(issue.segment, _sender(issue, sender))
    if found is None:
        return None
    key, query = found
    people = query.subquery()
    subscribed = audience(issue, sender).subquery()
    refused = [SubscriberStatus.BOUNCED.value, SubscriberStatus.COMPLAINED.value]
    stmt = select(people.c.id, people.c.email, people.c.name, people.c.locale).where(
        people.c.email.is_not(None),
        people.c.email.not_in(select(Subscriber.email).where(Subscriber.id.in_(select(subscribed.c.id)))),
        people.c.email.not_in(select(Subscriber.email).where(Subscriber.status.in_(refused))),
    ).distinct()
    if issue.languages:
        stmt = stmt.where(people.c.locale.in_(issue.languages.split(",")))
    return key, stmt


def audience_count(issue: Issue, sender: User | None = None) -> int:
    """Everyone the issue would reach now: subscribers, and contacts its segment adds."""
    count = int(db.session.scalar(select(func.count()).select_from(audience(issue, sender).subquery())) or 0)
    found = contact_audience(issue, sender)
    if found is not None:
        count += int(db.session.scalar(select(func.count()).select_from(found[1].subquery())) or 0)
    return count


def count_for(data: IssueData, sender: User | None) -> int:
    """How many people an issue with these settings would reach now, as `sender` may reach them.

    Nothing is saved: the composer asks before the draft exists, or before its changes are kept."""
    draft = Issue()
    _apply(draft, data)
    return audience_count(draft, sender)


def _freeze(issue: Issue, sender: User | None = None) -> int:
    """Copy the audience into the outbox: one row per recipient, in one statement for the
    subscribers and one for the contacts the segment adds."""
    now = utcnow()
    chosen = audience(issue, sender).subquery()
    source = select(
        literal(issue.id), Subscriber.id, Subscriber.email, Subscriber.name, Subscriber.locale,
        literal(OutboxStatus.PENDING.value), literal(0), literal(now), literal(""), literal(""),
    ).where(Subscriber.id.in_(select(chosen.c.id)))
    columns = [
        OutboxRow.issue_id, OutboxRow.subscriber_id, OutboxRow.email, OutboxRow.name, OutboxRow.locale,
        OutboxRow.status, OutboxRow.attempts, OutboxRow.next_attempt_at, OutboxRow.claimed_by, OutboxRow.answer,
    ]
    db.session.execute(insert(OutboxRow).from_select([c.key for c in columns], source))
    found = contact_audience(issue, sender)
    if found is not None:
        key, query = found
        people = query.subquery()
        contact = literal(f"{key}:") + cast(people.c.id, String)
        db.session.execute(insert(OutboxRow).from_select(
            [c.key for c in columns[:1]] + ["contact"] + [c.key for c in columns[2:]],
            select(
                literal(issue.id), contact, people.c.email, func.coalesce(people.c.name, ""), people.c.locale,
                literal(OutboxStatus.PENDING.value), literal(0), literal(now), literal(""), literal(""),
            ),
        ))
    issue.status = IssueStatus.SENDING.value
    issue.started_at = now
    # Counted, not read from rowcount: a driver may report -1 for INSERT ... SELECT.
    return int(db.session.scalar(select(func.count()).select_from(OutboxRow)
                                 .where(OutboxRow.issue_id == issue.id)) or 0)


def start_send(issue_id: int, actor: User) -> int:
    """Freeze the audience and hand the issue to the workers. Returns the number of recipients."""
    issue = get_issue(issue_id)
    if issue.status not in EDITABLE:
        raise NewsletterError(_l("This issue has already been sent."))
    if not written(issue.subject) or not written(issue.body):
        raise NewsletterError(_l("Write a subject and a text first."))
    count = _freeze(issue, actor)
    if count == 0:
        db.session.rollback()
        raise NewsletterError(NOBODY)
    audit.record(actor, "newsletter.send", "issue", issue.id, f"{count} recipients")
    worker.wake_after_commit(Lane.BULK)
    db.session.commit()
    return count


def schedule(issue_id: int, when: datetime, actor: User) -> Issue:
    """Send at `when` (UTC); the audience is frozen at that moment."""
    issue = get_issue(issue_id)
    if issue.status not in EDITABLE:
        raise NewsletterError(_l("This issue has already been sent."))
    if when <= utcnow():
        raise NewsletterError(_l("Choose a time in the future."))
    if audience_count(issue) == 0:
        raise NewsletterError(NOBODY)
    issue.status = IssueStatus.SCHEDULED.value
    issue.scheduled_at = when
    audit.record(actor, "newsletter.schedule", "issue", issue.id)
    db.session.commit()
    return issue


def unschedule(issue_id: int) -> Issue:
    issue = get_issue(issue_id)
    if issue.status == IssueStatus.SCHEDULED.value:
        issue.status = IssueStatus.DRAFT.value
        issue.scheduled_at = None
    db.session.commit()
    return issue


def start_scheduled() -> int:
    """Worker job: start the sends whose time has come."""
    due = db.session.scalars(
        select(Issue).where(Issue.status == IssueStatus.SCHEDULED.value, Issue.scheduled_at <= utcnow())
    ).all()
    for issue in due:
        if _freeze(issue) == 0:
            # The audience emptied before its time: back to a draft rather than "sent" to nobody.
            db.session.rollback()
            issue.status = IssueStatus.DRAFT.value
            issue.scheduled_at = None
            logger.info("newsletter: scheduled issue %s found no recipients, back to draft", issue.id)
        else:
            worker.wake_after_commit(Lane.BULK)
        db.session.commit()
    return len(due)


def _set_status(issue_id: int, allowed: set[str], status: IssueStatus, actor: User, action: str) -> Issue:
    issue = get_issue(issue_id)
    if issue.status not in allowed:
        raise NewsletterError(_l("This cannot be done in the issue's current state."))
    issue.status = status.value
    issue.pause_reason = ""
    audit.record(actor, action, "issue", issue.id)
    return issue


def pause(issue_id: int, actor: User) -> None:
    """Stop handing out batches; the batch in flight finishes."""
    issue = _set_status(issue_id, {IssueStatus.SENDING.value}, IssueStatus.PAUSED, actor, "newsletter.pause")
    issue.pause_reason = "manual"
    db.session.commit()


def resume(issue_id: int, actor: User) -> None:
    _set_status(issue_id, {IssueStatus.PAUSED.value}, IssueStatus.SENDING, actor, "newsletter.resume")
    worker.wake_after_commit(Lane.BULK)
    db.session.commit()


def cancel(issue_id: int, actor: User) -> None:
    """Give up the rest of a send: rows not yet handed to a worker are skipped."""
    issue = _set_status(
        issue_id, {IssueStatus.SENDING.value, IssueStatus.PAUSED.value}, IssueStatus.CANCELLED, actor,
        "newsletter.cancel",
    )
    issue.finished_at = utcnow()
    db.session.execute(
        update(OutboxRow)
        .where(OutboxRow.issue_id == issue.id, OutboxRow.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.SKIPPED.value, answer="cancelled"),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


def set_published(issue_id: int, published: bool, actor: User) -> None:
    """Show (or hide) a sent issue on the public archive."""
    issue = get_issue(issue_id)
    if issue.status != IssueStatus.SENT.value:
        raise NewsletterError(_l("Only sent issues can be published."))
    issue.published = published
    audit.record(actor, "newsletter.publish" if published else "newsletter.unpublish", "issue", issue.id)
    db.session.commit()


def archive() -> list[Issue]:
    return list(
        db.session.scalars(
            select(Issue).where(Issue.published.is_(True), Issue.status == IssueStatus.SENT.value)
            .order_by(Issue.finished_at.desc())
        )
    )


def published_issue(issue_id: int) -> Issue:
    issue = db.session.get(Issue, issue_id)
    if issue is None or not issue.published or issue.status != IssueStatus.SENT.value:
        raise NewsletterError(_l("No such issue."))
    return issue


def issues(status: str = "") -> list[Issue]:
    stmt = select(Issue).order_by(Issue.created_at.desc(), Issue.id.desc())
    if status in {s.value for s in IssueStatus}:
        stmt = stmt.where(Issue.status == status)
    return list(db.session.scalars(stmt))


def staff_figures() -> list[Figure]:
    """The staff home's newsletter figure: issues being sent now, linking to that list."""
    sending = db.session.scalar(
        select(func.count(Issue.id)).where(Issue.status == IssueStatus.SENDING.value)) or 0
    return [Figure(_l("Sends in progress"), sending, "newsletter.staff_index",
                   (("status", IssueStatus.SENDING.value),))]


def test_send(issue_id: int, addresses: list[str], locale: str, actor: User) -> int:
    """Mail the issue, as a subscriber would get it, to a few chosen addresses."""
    issue = get_issue(issue_id)
    prepared = compose.prepare(issue, locale)
    for address in addresses:
        subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == normalise_email(address)))
        token = compose.recipient_token(subscriber.id if subscriber else 0, "", prepared.leave)
        data = prepared.message(0, normalise_email(address), subscriber.name if subscriber else "", token)
        mail.queue(message_from_bytes(data, _class=EmailMessage, policy=SMTP))
    audit.record(actor, "newsletter.test_send", "issue", issue.id, f"{len(addresses)} addresses")
    db.session.commit()
    return len(addresses)


def preview_html(issue_id: int, locale: str) -> str:
    issue = get_issue(issue_id)
    return compose.prepare(issue, locale).html_for("", compose.manage_token(0))


def report(issue_id: int) -> dict[str, int]:
    """Deliveries, failures and the unsubscribes since the send started (no open or click tracking)."""
    issue = get_issue(issue_id)
    counts = dispatch.counts(issue.id)
    left = 0
    if issue.started_at is not None:
        left = int(
            db.session.scalar(
                select(func.count()).select_from(OutboxRow).join(Subscriber, Subscriber.id == OutboxRow.subscriber_id)
                .where(
                    OutboxRow.issue_id == issue.id,
                    and_(Subscriber.unsubscribed_at.is_not(None), Subscriber.unsubscribed_at >= issue.started_at),
                )
            ) or 0
        )
    return {"sent": counts.get("sent", 0), "failed": counts.get("failed", 0), "unsubscribed": left}



# --- templates --------------------------------------------------------------------------------


def save_template(issue_id: int, name: str, actor: User) -> IssueTemplate:
    """Keep an issue's subject and text (every language) under a name, to start new issues from."""
    issue = get_issue(issue_id)
    template = IssueTemplate(name=name.strip()[:120], created_by_id=actor.id)
    template.set_text("subject", issue.subject)
    template.set_text("body", issue.body)
    db.session.add(template)
    db.session.commit()
    return template


def templates() -> list[IssueTemplate]:
    return list(db.session.scalars(select(IssueTemplate).order_by(IssueTemplate.name, IssueTemplate.id)))


def get_template(template_id: int) -> IssueTemplate:
    template = db.session.get(IssueTemplate, template_id)
    if template is None:
        raise NewsletterError(_l("No such template."))
    return template


def template_data(template_id: int) -> IssueData:
    """A new issue's starting text, from a template."""
    template = get_template(template_id)
    return IssueData(subject=dict(template.subject), body=dict(template.body))


def delete_template(template_id: int) -> None:
    """Issues started from it keep their text."""
    db.session.delete(get_template(template_id))
    db.session.commit()
