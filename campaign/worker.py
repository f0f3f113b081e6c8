"""The background worker: each lane of jobs in its own thread, woken when work is queued.

Lanes (`campaign.features.Lane`) keep kinds of work apart: a 20,000-recipient newsletter send in
the BULK lane never delays a confirmation mail in the MAIL lane. Each lane runs its jobs when they
come due, and again at once while they find work.

Waking up. Code that queues work calls `wake_after_commit(lane)` inside its transaction. When the
transaction commits, the lane's in-process event is set (the embedded `flask serve` worker wakes
at once), and on PostgreSQL a `NOTIFY campaign_worker, '<lane>'` sent in the same transaction is
delivered to every worker process's listener connection (PostgreSQL delivers a NOTIFY only when
its transaction commits, and drops it on rollback). Without either (SQLite with a separate
`flask worker` process) the lane falls back to polling every job's `every` seconds.

Periodic jobs (`every_period`) run once per period across the whole cluster. The period is
`every` seconds long, counted from Monday 00:00 UTC (a weekly job runs once per ISO week). A
worker claims (job, period) by inserting a row into `worker_period_runs` whose unique constraint
lets one insert win; the claim is committed before the job runs, and `finished_at` is written
when the job returns. If the job raises or the worker dies half-way, the claim stays unfinished;
once it is older than WORKER_PERIOD_LEASE seconds any worker may take it over (a compare-and-set
on `started_at`) and run the job again in the same period. A job must therefore tolerate a rerun
after a crash (the weekly summary, for one, queues its mails and its audit record in one
transaction, so a rerun after a failed run sends nothing twice).

Each run happens in an app context the worker created; a job loads its own rows and commits its
own work, so a killed worker loses at most what was in flight. Several workers may run at once:
ordinary jobs must claim their own rows (see mail.deliver_due).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import String, UniqueConstraint, event, select, text, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Mapped, Session, mapped_column

from campaign.extensions import Model, db, table_of
from campaign.features import Job, Lane, registry
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)

CHANNEL = "campaign_worker"
_EXTENSION_KEY = "campaign.worker"
_WAKE = "worker_wake"  # session.info key: lanes to wake when the transaction commits
_MONDAY = 3 * 86400  # the Unix epoch began on a Thursday; periods start on Monday 00:00 UTC
_PERIOD_CHECK = 60.0  # seconds between checks whether a periodic job's period has come


class PeriodRun(Model):
    """One run of a periodic job in one period, claimed by the worker that inserted it."""

    __tablename__ = "worker_period_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(40))
    claimed_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<PeriodRun {self.job} {self.period} finished={self.finished_at is not None}>"


# --- waking lanes ---------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Give the app one wake-up event per lane, shared by requests and worker threads."""
    app.extensions[_EXTENSION_KEY] = {lane: threading.Event() for lane in Lane}


def bells(app: Flask) -> dict[Lane, threading.Event]:
    found: dict[Lane, threading.Event] = app.extensions[_EXTENSION_KEY]
    return found


def wake_after_commit(lane: Lane) -> None:
    """Wake `lane` once the current transaction commits (nothing happens on rollback)."""
    lanes: set[Lane] = db.session.info.setdefault(_WAKE, set())
    if lane in lanes:
        return
    lanes.add(lane)
    if db.session.get_bind().dialect.name == "postgresql":
        # Delivered by PostgreSQL when (and only if) this transaction commits.
        db.session.execute(text("SELECT pg_notify(:channel, :lane)"), {"channel": CHANNEL, "lane": lane.value})


def notify_in(connection: Connection, lane: Lane) -> None:
    """For Core transactions: NOTIFY `lane` on PostgreSQL, delivered when `connection` commits.

    Call `wake(lane)` after the commit for workers in this process."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_notify(:channel, :lane)"), {"channel": CHANNEL, "lane": lane.value})


def wake(lane: Lane) -> None:
    """Wake `lane` in this process now (work for it is already committed)."""
    if has_app_context():
        found = current_app.extensions.get(_EXTENSION_KEY, {})
        if lane in found:
            found[lane].set()


@event.listens_for(Session, "after_commit")
def _ring(session: Session) -> None:
    lanes = session.info.pop(_WAKE, None)
    if lanes and has_app_context():
        found = current_app.extensions.get(_EXTENSION_KEY, {})
        for lane in lanes:
            if lane in found:
                found[lane].set()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WAKE, None)


def _listen(app: Flask, stop: threading.Event, lanes: set[Lane]) -> None:
    """Turn PostgreSQL notifications into wake-ups, over one connection for this process."""
    import psycopg

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    found = bells(app)
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                while not stop.is_set():
                    for note in conn.notifies(timeout=1.0):
                        try:
                            lane = Lane(note.payload)
                        except ValueError:
                            continue
                        if lane in lanes:
                            found[lane].set()
        except psycopg.Error as exc:
            logger.warning("worker listener lost its connection (%s); polling until it is back", type(exc).__name__)
            stop.wait(5.0)


# --- jobs -----------------------------------------------------------------------------------------


def jobs(app: Flask) -> list[Job]:
    """The jobs the app's features declare in their manifests (campaign/features.py)."""
    return list(registry(app).jobs)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def period_key(entry: Job, now: float | None = None) -> str:
    """The period `now` falls in for a periodic job: periods of `every` seconds from a Monday."""
    moment = time.time() if now is None else now
    return str(int((moment + _MONDAY) // entry.every))


def claim_period(entry: Job, period: str) -> bool:
    """Claim (job, period) for this worker; True when this worker should run the job now."""
    done_already = db.session.scalar(
        select(PeriodRun.id).where(
            PeriodRun.job == entry.name, PeriodRun.period == period, PeriodRun.finished_at.is_not(None)
        )
    )
    if done_already is not None:
        db.session.rollback()
        return False
    table = table_of(PeriodRun)
    values = {"job": entry.name, "period": period, "claimed_by": worker_name()[:100], "started_at": utcnow()}
    # RETURNING says whether this insert won (rowcount is not reliable here on psycopg).
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    else:
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    won = db.session.execute(stmt).first() is not None
    if not won:
        # Taken: take it over only when its run died and its lease is over.
        lease = timedelta(seconds=float(current_app.config["WORKER_PERIOD_LEASE"]))
        won = db.session.execute(
            update(PeriodRun)
            .where(
                PeriodRun.job == entry.name, PeriodRun.period == period,
                PeriodRun.finished_at.is_(None), PeriodRun.started_at < utcnow() - lease,
            )
            .values(claimed_by=values["claimed_by"], started_at=values["started_at"])
            .returning(PeriodRun.id)
        ).first() is not None
        if won:
            logger.warning("job %s: taking over period %s from a run that did not finish", entry.name, period)
    db.session.commit()
    return bool(won)


def _finish_period(entry: Job, period: str) -> None:
    db.session.execute(
        update(PeriodRun)
        .where(PeriodRun.job == entry.name, PeriodRun.period == period, PeriodRun.claimed_by == worker_name()[:100])
        .values(finished_at=utcnow())
    )
    db.session.commit()


def _run(app: Flask, entry: Job) -> int:
    with app.app_context():
        try:
            if entry.every_period:
                period = period_key(entry)
                if not claim_period(entry, period):
                    return 0
                done = entry.func() or 0
                _finish_period(entry, period)
                return done
            return entry.func() or 0
        except Exception:  # a failing job must not stop the others
            logger.exception("job %s failed", entry.name)
            db.session.rollback()
            return 0
        finally:
            db.session.remove()


def _selected(app: Flask, names: Iterable[str] | None, lanes: Iterable[Lane] | None) -> list[Job]:
    wanted = set(names) if names else None
    wanted_lanes = set(lanes) if lanes else None
    return [
        entry for entry in jobs(app)
        if (wanted is None or entry.name in wanted) and (wanted_lanes is None or entry.lane in wanted_lanes)
    ]


def run_once(app: Flask, names: Iterable[str] | None = None, lanes: Iterable[Lane] | None = None) -> int:
    """Run every job (or the named ones, or those of `lanes`) once; return the total work done."""
    return sum(_run(app, entry) for entry in _selected(app, names, lanes))


# --- lanes ----------------------------------------------------------------------------------------


def run_lane(app: Flask, lane: Lane, stop: threading.Event, tick: float = 1.0) -> None:
    """Run `lane`'s jobs until `stop`: at once while they find work, else when due or woken."""
    entries = _selected(app, None, {lane})
    bell = bells(app)[lane]
    next_run = {entry.name: 0.0 for entry in entries}
    while not stop.is_set():
        if bell.is_set():
            # Woken: work was queued for this lane (by a request, another lane or this one); its
            # queue-draining jobs run now. Cleared first, so a wake-up during the run is kept.
            bell.clear()
            for entry in entries:
                if not entry.every_period:
                    next_run[entry.name] = 0.0
        busy = False
        now = time.monotonic()
        for entry in entries:
            if next_run[entry.name] > now:
                continue
            did = _run(app, entry)
            wait = min(entry.every, _PERIOD_CHECK) if entry.every_period else entry.every
            next_run[entry.name] = now if did else now + wait
            busy = busy or bool(did)
        if busy or stop.is_set():
            continue
        soonest = min(next_run.values(), default=time.monotonic() + tick)
        # At most `tick` at a time, so that `stop` is seen promptly.
        bell.wait(min(tick, max(0.0, soonest - time.monotonic())))


def start_lanes(app: Flask, stop: threading.Event, lanes: Iterable[Lane] | None = None) -> list[threading.Thread]:
    """Start one thread per lane (and a PostgreSQL listener); they end when `stop` is set."""
    chosen = set(lanes) if lanes else set(Lane)
    threads = [
        threading.Thread(target=run_lane, args=(app, lane, stop), name=f"worker-{lane.value}", daemon=True)
        for lane in Lane if lane in chosen
    ]
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
        threads.append(threading.Thread(target=_listen, args=(app, stop, chosen), name="worker-listen", daemon=True))
    for thread in threads:
        thread.start()
    return threads


def run_forever(
    app: Flask, stop: threading.Event, burst: bool = False, tick: float = 1.0, lanes: Iterable[Lane] | None = None
) -> None:
    """Run the lanes until `stop`. With `burst`, run jobs until none finds work, then return."""
    if burst:
        while run_once(app, lanes=lanes):
            pass
        return
    threads = start_lanes(app, stop, lanes)
    stop.wait()
    for thread in threads:
        thread.join(tick + 5.0)


def start_in_thread(app: Flask, lanes: Iterable[Lane] | None = None) -> threading.Event:
    """Run every lane beside the development server, so the embedded setup needs nothing else."""
    stop = threading.Event()
    start_lanes(app, stop, lanes)
    return stop
