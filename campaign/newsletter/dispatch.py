"""The dispatch engine: sends a frozen outbox without losing or repeating a mail.

Each worker claims a batch of outbox rows in one statement (`FOR UPDATE SKIP LOCKED` on
PostgreSQL; on SQLite the UPDATE itself holds the single write lock), marking them `sending` with
its name and the time. It sends them over one reused SMTP connection and records results in small
groups as it goes. A row is only ever changed by the worker that holds its claim. When a worker
dies, its rows stay `sending` until the lease runs out, then any worker takes them back: only the
batch that was in flight at the moment of the kill can go twice, never a row that was recorded.

Throughput is bounded by NEWSLETTER_RATE (messages per second per connection) and the number of
connections open at once across all workers by NEWSLETTER_MAX_CONNECTIONS.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import queue
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Connection, and_, func, select, text, update

from campaign import claims
from campaign.extensions import db, table_of
from campaign.mail.services import without_addresses
from campaign.mail.transport import PermanentFailure, TemporaryFailure, Transport
from campaign.newsletter.compose import Prepared, prepare, recipient_token
from campaign.newsletter.models import (
    Issue,
    IssueStatus,
    OutboxRow,
    OutboxStatus,
    Subscriber,
    SubscriberStatus,
)
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RECORD_EVERY = 50  # successes recorded per commit; a kill can repeat at most the claimed batch
# A send pauses itself when more than this share of its answers are permanent refusals.
MAX_ERROR_RATE = 0.2
MIN_FOR_ERROR_RATE = 20
_ADVISORY_BASE = 0x6E6C0000  # PostgreSQL advisory lock keys for connection slots


@dataclass(frozen=True)
class Claim:
    id: int
    issue_id: int
    subscriber_id: int | None  # None for a contact (a volunteer who agreed to be mailed)
    contact: str
    email: str
    name: str
    locale: str
    attempts: int


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int
    pending: int
    skipped: int
    rate: float  # messages per second over the last minute
    seconds_left: int | None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def claim(issue_id: int, owner: str, size: int, lease: float) -> list[Claim]:
    """Take up to `size` due rows of a sending issue: `sending` past the lease (a worker that
    died), then pending ones.

    Two statements, each a range of the claim index (issue, status, next attempt) read in its
    order: one condition with OR made SQLite read every row of the issue and sort the pending ones
    for each batch, which grew with the size of the audience (bench/dispatch.py).
    """
    now = utcnow()
    values = {"status": OutboxStatus.SENDING.value, "claimed_by": owner, "claimed_at": now}
    returning = (
        OutboxRow.id, OutboxRow.issue_id, OutboxRow.subscriber_id, OutboxRow.contact, OutboxRow.email,
        OutboxRow.name, OutboxRow.locale, OutboxRow.attempts,
    )
    mine = OutboxRow.issue_id == issue_id
    stale = now - timedelta(seconds=lease)
    rows = list(claims.claim(
        OutboxRow, and_(mine, OutboxRow.status == OutboxStatus.SENDING.value, OutboxRow.claimed_at < stale),
        values, size, returning=returning,
    ))
    if len(rows) < size:
        rows += claims.claim(
            OutboxRow, and_(mine, OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.next_attempt_at <= now),
            values, size - len(rows), returning=returning, order_by=(OutboxRow.next_attempt_at, OutboxRow.id),
        )
    db.session.commit()
    return sorted((Claim(**row._asdict()) for row in rows), key=lambda c: c.id)


def _mine(ids: list[int], owner: str) -> Any:
    return and_(
        OutboxRow.id.in_(ids), OutboxRow.claimed_by == owner, OutboxRow.status == OutboxStatus.SENDING.value
    )


_outbox = table_of(OutboxRow)


def _write_sent(conn: Connection, ids: list[int], rest: list[int], owner: str) -> None:
    """Mark delivered rows sent; with `rest`, renew the claim on the rest of the batch (a slow
    server must not let another worker take back rows this one is still working through).

    Core statements on a plain connection: the ORM's bulk-update machinery costs more than the SQL.
    """
    now = utcnow()
    if conn.dialect.name == "postgresql":
        # Don't wait for the WAL flush: should the database server itself crash, the last fraction
        # of a second of results reverts to `sending` and those mails go again; none is lost.
        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
    mine = and_(_outbox.c.claimed_by == owner, _outbox.c.status == OutboxStatus.SENDING.value)
    conn.execute(
        _outbox.update().where(_outbox.c.id.in_(ids), mine).values(
            status=OutboxStatus.SENT.value, sent_at=now, answer="250"
        )
    )
    if rest:
        conn.execute(_outbox.update().where(_outbox.c.id.in_(rest), mine).values(claimed_at=now))
    conn.commit()


class Recorder:
    """Records delivered rows from a thread with its own connection, so the writes overlap the
    SMTP round trips instead of adding to them.

    The sender flushes before any other write and at the end of every batch, so what a kill can
    leave unrecorded is still at most the claimed batch.
    """

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.engine = db.engine
        self.pending: queue.Queue[tuple[list[int], list[int]] | None] = queue.Queue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="newsletter-recorder", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with self.engine.connect() as conn:
            while True:
                item = self.pending.get()
                try:
                    if item is None:
                        return
                    if self.error is None:
                        _write_sent(conn, item[0], item[1], self.owner)
                except Exception as exc:  # re-raised in the sending thread by flush()
                    self.error = exc
                    conn.rollback()
                finally:
                    self.pending.task_done()

    def add(self, ids: list[int], rest: list[int] | None = None) -> None:
        if ids:
            self.pending.put((list(ids), list(rest or [])))

    def flush(self) -> None:
        self.pending.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.pending.put(None)
        self.thread.join()


def _backoff(attempts: int) -> timedelta:
    base = current_app.config["NEWSLETTER_RETRY_BASE"]
    return timedelta(seconds=min(3600.0, base * 2 ** max(0, attempts - 1)))


def _record_deferred(row: Claim, rest: list[int], owner: str, answer: str) -> None:
    """A temporary failure: retry this row later; give the rest of the batch back untouched."""
    answer = without_addresses(answer)
    attempts = row.attempts + 1
    status = OutboxStatus.FAILED.value if attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING.value
    wait = _backoff(attempts)
    db.session.execute(
        update(OutboxRow).where(_mine([row.id], owner)).values(
            status=status, attempts=attempts, next_attempt_at=utcnow() + wait, answer=answer[:300]
        ),
        execution_options={"synchronize_session": False},
    )
    if rest:
        db.session.execute(
            update(OutboxRow).where(_mine(rest, owner)).values(
                status=OutboxStatus.PENDING.value, next_attempt_at=utcnow() + _backoff(1)
            ),
            execution_options={"synchronize_session": False},
        )
    db.session.commit()


def _record_bounce(row: Claim, owner: str, answer: str) -> None:
    """A permanent refusal: the row failed, the address is bounced and gets nothing more."""
    answer = without_addresses(answer)
    db.session.execute(
        update(OutboxRow).where(_mine([row.id], owner)).values(
            status=OutboxStatus.FAILED.value, attempts=row.attempts + 1, answer=answer[:300]
        ),
        execution_options={"synchronize_session": False},
    )
    if row.subscriber_id is not None:  # a contact has no subscriber to mark; the row failed
        mark_bounced(row.subscriber_id, answer)
    db.session.commit()


def mark_bounced(subscriber_id: int, answer: str) -> None:
    """Joins the caller's transaction: status bounced, pending mail to the address skipped."""
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber_id, Subscriber.status == SubscriberStatus.CONFIRMED.value)
        .values(status=SubscriberStatus.BOUNCED.value, bounce_reason=answer[:300]),
        execution_options={"synchronize_session": False},
    )
    skip_pending_for(subscriber_id, "bounced")


def skip_pending_for(subscriber_id: int, reason: str) -> None:
    """Joins the caller's transaction: rows not yet claimed for this subscriber will not be sent."""
    db.session.execute(
        update(OutboxRow)
        .where(OutboxRow.subscriber_id == subscriber_id, OutboxRow.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.SKIPPED.value, answer=reason),
        execution_options={"synchronize_session": False},
    )


class Throttle:
    """At most `rate` messages per second, evenly spaced (no bursts after a pause)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next = time.monotonic()

    def wait(self) -> None:
        now = time.monotonic()
        if self.next > now:
            time.sleep(self.next - now)
            now = self.next
        elif now - self.next > 1.0:
            self.next = now
        self.next += self.interval


@dataclass
class Outcome:
    sent: int = 0
    bounced: int = 0
    deferred: bool = False


def send_batch(
    rows: list[Claim],
    prepared: dict[tuple[int, str], Prepared],
    transport: Transport,
    throttle: Throttle,
    recorder: Recorder,
) -> Outcome:
    """Send the claimed rows over `transport`, recording results as they happen."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    lease = current_app.config["NEWSLETTER_LEASE"]
    owner = recorder.owner
    renewed = time.monotonic()
    outcome = Outcome()
    done: list[int] = []
    for index, row in enumerate(rows):
        throttle.wait()
        try:
            ready = prepared[(row.issue_id, row.locale)]
            message = ready.message(
                row.id, row.email, row.name, recipient_token(row.subscriber_id, row.contact, ready.leave)
            )
            transport.send(sender, row.email, message)
        except (UnicodeError, ValueError) as exc:
            # An address no header or SMTP command can carry: failing for good beats a poison
            # row that would crash every worker that claims it.
            recorder.add(done)
            done = []
            recorder.flush()
            _record_bounce(row, owner, f"unsendable address: {type(exc).__name__}")
            outcome.bounced += 1
            continue
        except TemporaryFailure as exc:
            recorder.add(done)
            recorder.flush()
            _record_deferred(row, [r.id for r in rows[index + 1:]], owner, str(exc))
            logger.warning("newsletter row %s deferred", row.id)
            outcome.deferred = True
            return outcome
        except PermanentFailure as exc:
            recorder.add(done)
            done = []
            recorder.flush()
            _record_bounce(row, owner, str(exc))
            outcome.bounced += 1
            logger.info("newsletter row %s refused for good; subscriber %s bounced", row.id, row.subscriber_id)
            continue
        outcome.sent += 1
        done.append(row.id)
        if len(done) >= RECORD_EVERY:
            renew = time.monotonic() - renewed > lease / 3
            recorder.add(done, [r.id for r in rows[index + 1:]] if renew else None)
            if renew:
                renewed = time.monotonic()
            done = []
    recorder.add(done)
    recorder.flush()
    return outcome


@contextmanager
def connection_slot() -> Iterator[bool]:
    """Hold one of NEWSLETTER_MAX_CONNECTIONS slots shared by every worker on this database.

    PostgreSQL: session advisory locks (several hosts); SQLite: file locks (one host). Both are
    released by the system when a worker dies, so a killed worker never keeps a slot.
    """
    slots = current_app.config["NEWSLETTER_MAX_CONNECTIONS"]
    if _is_postgres():
        conn = db.engine.connect()
        try:
            for slot in range(slots):
                key = _ADVISORY_BASE + slot
                if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                    conn.commit()
                    try:
                        yield True
                    finally:
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                        conn.commit()
                    return
            conn.commit()
            yield False
        finally:
            conn.close()
        return
    ident = hashlib.sha256(str(db.engine.url).encode()).hexdigest()[:16]
    folder = os.path.join(tempfile.gettempdir(), f"campaign-newsletter-{ident}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    for slot in range(slots):
        fd = os.open(os.path.join(folder, f"slot-{slot}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    yield False


def sending_issue_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(Issue.id).where(Issue.status == IssueStatus.SENDING.value).order_by(Issue.started_at, Issue.id)
        )
    )


def counts(issue_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(OutboxRow.status, func.count()).where(OutboxRow.issue_id == issue_id).group_by(OutboxRow.status)
    ).all()
    return {status: int(n) for status, n in rows}


def progress(issue_id: int) -> Progress:
    """Sent / failed / pending of an issue, its rate over the last minute and the time left."""
    by_status = counts(issue_id)
    since = utcnow() - timedelta(seconds=60)
    recent = db.session.scalar(
        select(func.count()).where(
            OutboxRow.issue_id == issue_id,
            OutboxRow.status == OutboxStatus.SENT.value,
            OutboxRow.sent_at >= since,
        )
    ) or 0
    pending = by_status.get("pending", 0) + by_status.get("sending", 0)
    rate = recent / 60.0
    return Progress(
        total=sum(by_status.values()),
        sent=by_status.get("sent", 0),
        failed=by_status.get("failed", 0),
        pending=pending,
        skipped=by_status.get("skipped", 0),
        rate=round(rate, 1),
        seconds_left=int(pending / rate) if rate > 0 and pending else None,
    )


def _finish_or_pause(issue_id: int) -> None:
    """Mark a drained send as sent; pause one whose permanent failures run too high."""
    by_status = counts(issue_id)
    issue = db.session.get(Issue, issue_id)
    if issue is None or issue.status != IssueStatus.SENDING.value:
        return
    answered = by_status.get("sent", 0) + by_status.get("failed", 0)
    failed = by_status.get("failed", 0)
    if failed >= MIN_FOR_ERROR_RATE and failed > MAX_ERROR_RATE * answered:
        issue.status = IssueStatus.PAUSED.value
        issue.pause_reason = "error-rate"
        logger.warning("issue %s paused: %s of %s answers were failures", issue_id, failed, answered)
    elif not by_status.get("pending", 0) and not by_status.get("sending", 0):
        issue.status = IssueStatus.SENT.value
        issue.finished_at = utcnow()
        logger.info("issue %s sent", issue_id)
    db.session.commit()


def run(budget: float = 10.0) -> int:
    """Worker job body: send due rows of every sending issue for up to `budget` seconds."""
    issue_ids = sending_issue_ids()
    if not issue_ids:
        return 0
    cfg = current_app.config
    rate = cfg["NEWSLETTER_RATE"]
    lease = cfg["NEWSLETTER_LEASE"]
    # A batch must finish well inside the lease, or a live worker's rows would be taken back.
    size = max(1, min(cfg["NEWSLETTER_BATCH"], int(rate * lease / 4)))
    owner = worker_name()
    total = 0
    with connection_slot() as got:
        if not got:
            return 0
        prepared: dict[tuple[int, str], Prepared] = {}
        throttle = Throttle(rate)
        deadline = time.monotonic() + budget
        recorder = Recorder(owner)
        with Transport() as transport, closing(recorder):
            while time.monotonic() < deadline:
                worked = False
                for issue_id in sending_issue_ids():
                    rows = claim(issue_id, owner, size, lease)
                    if not rows:
                        _finish_or_pause(issue_id)
                        continue
                    worked = True
                    issue = db.session.get(Issue, issue_id)
                    if issue is None:  # deleted since the claim; its outbox rows went with it
                        continue
                    for locale in {row.locale for row in rows}:
                        if (issue_id, locale) not in prepared:
                            prepared[(issue_id, locale)] = prepare(issue, locale)
                    outcome = send_batch(rows, prepared, transport, throttle, recorder)
                    total += outcome.sent + outcome.bounced
                    if outcome.bounced:  # counting a large outbox per batch costs; only when it may pause
                        _finish_or_pause(issue_id)
                    if outcome.deferred:
                        return total  # the server is unwell: let the back-off run
                if not worked:
                    break
    return total
