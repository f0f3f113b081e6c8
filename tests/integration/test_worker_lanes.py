"""The worker in lanes: requests only queue and wake it, a bulk send never holds up a confirmation
mail, and a periodic job runs once per period however many workers run."""
from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from campaign import worker
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.features import Job, Lane
from campaign.mail.models import QueuedMail
from campaign.notices import PublicNotice
from campaign.petitions import services as petitions
from campaign.timeutil import utcnow
from tests.conftest import Inbox, deliver_now
from tests.integration.test_volunteers_signup import FORM
from tests.petitions_support import make_petition


def _until(condition, what: str, rounds: int = 600) -> None:
    """Wait for something another thread does (bounded, so a bug fails instead of hanging)."""
    for _round in range(rounds):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def test_a_request_queues_mail_and_wakes_the_mail_lane_without_sending(make_app, app, inbox: Inbox):
    """A request that causes mail never talks to the mail server: it queues a notice (the worker
    decides what to mail), and its commit wakes the MAIL lane, which mails and delivers."""
    plain = make_app(WTF_CSRF_ENABLED=False)  # the plain Flask client: no worker runs after requests
    bell = worker.bells(plain)[Lane.MAIL]
    bell.clear()
    assert plain.test_client().post("/volunteer", data=FORM).status_code == 200
    assert inbox.messages == []
    assert db.session.scalar(select(func.count()).select_from(QueuedMail)) == 0
    assert db.session.scalar(select(func.count()).select_from(PublicNotice)) == 1
    assert bell.is_set()
    assert worker.run_once(plain, {"notices"}) == 1
    assert deliver_now(plain) == 1
    assert inbox.last_to("night.owl@example.net")


def test_a_bulk_send_never_holds_up_a_confirmation_mail(app, inbox: Inbox, monkeypatch):
    """While the BULK lane is busy (a newsletter send that takes its time), the MAIL lane still
    composes and delivers a new signer's confirmation mail."""
    from campaign.newsletter import dispatch

    busy = threading.Event()
    release = threading.Event()

    def slow_send(budget: float = 10.0) -> int:
        busy.set()
        release.wait(120)
        return 0

    monkeypatch.setattr(dispatch, "run", slow_send)
    make_petition()
    stop = threading.Event()
    threads = worker.start_lanes(app, stop)
    try:
        _until(busy.is_set, "the bulk lane started its send")
        petitions.sign("takedown", email="quick@example.org", name="Quick")
        _until(lambda: bool(inbox.to("quick@example.org")), "the confirmation mail arrived")
        assert not release.is_set() and busy.is_set()  # the bulk send was still running
    finally:
        release.set()
        stop.set()
        for thread in threads:
            thread.join(30)


def _organiser_app(make_app) -> Flask:
    return make_app(REPORTS_WEEKLY_SUMMARY=True)


def test_weekly_summary_goes_out_once_with_three_workers(make_app, app, inbox: Inbox, make_user):
    """Three workers (separate apps on one database, running at the same moment, several rounds)
    send the weekly summary once."""
    organiser = make_user(Role.ORGANISER)
    workers = [_organiser_app(make_app) for _ in range(3)]
    rounds = 3
    start = threading.Barrier(len(workers))
    done: list[int] = []
    errors: list[BaseException] = []

    def run(one: Flask) -> None:
        try:
            for _round in range(rounds):
                start.wait(60)
                done.append(worker.run_once(one, {"reports.weekly_summary"}))
        except BaseException as exc:  # noqa: BLE001  (reported by the test below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(one,)) for one in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert sorted(done) == [0] * (len(workers) * rounds - 1) + [1]
    deliver_now(app)
    assert len(inbox.to(organiser.email)) == 1
    runs = db.session.scalars(select(worker.PeriodRun)).all()
    assert len(runs) == 1 and runs[0].finished_at is not None


def test_a_periodic_run_that_died_is_taken_over_after_its_lease(make_app, app):
    """A claimed period whose run never finished is run again by another worker once its lease
    is over; a finished one is never run again in the same period."""
    calls: list[str] = []
    entry = Job("test.periodic", lambda: calls.append("ran") or 1, every=7 * 86400, every_period=True)
    period = worker.period_key(entry)
    db.session.add(worker.PeriodRun(job=entry.name, period=period, claimed_by="dead", started_at=utcnow()))
    db.session.commit()
    assert worker.claim_period(entry, period) is False  # still within its lease
    old = utcnow() - timedelta(seconds=app.config["WORKER_PERIOD_LEASE"] + 60)
    db.session.execute(update(worker.PeriodRun).values(started_at=old))
    db.session.commit()
    assert worker._run(app, entry) == 1 and calls == ["ran"]
    assert worker._run(app, entry) == 0 and calls == ["ran"]  # finished: once per period
    db.session.expire_all()
    run = db.session.scalar(select(worker.PeriodRun))
    assert run.finished_at is not None and run.claimed_by != "dead"


def test_periods_start_on_monday(app):
    """A weekly period is an ISO week: Sunday night and Monday morning fall in different periods."""
    entry = Job("test.weekly", lambda: 0, every=7 * 86400, every_period=True)
    monday = datetime.combine(date.fromisocalendar(2026, 48, 1), datetime.min.time(), UTC).timestamp()
    sunday = monday - 86400 * 6  # the previous Tuesday morning, same ISO week as Sunday night
    sunday_night = monday - 1
    monday_morning = monday + 1
    assert worker.period_key(entry, sunday) == worker.period_key(entry, sunday_night)
    assert worker.period_key(entry, sunday_night) != worker.period_key(entry, monday_morning)


def test_postgresql_notify_wakes_a_worker_in_another_process(make_app, app):
    """On PostgreSQL, a commit that queues mail wakes the MAIL lane of a worker with its own
    connection (another process in production), through LISTEN/NOTIFY."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite workers poll")
    other = make_app()
    bell = worker.bells(other)[Lane.MAIL]
    stop = threading.Event()
    listener = threading.Thread(target=worker._listen, args=(other, stop, {Lane.MAIL}), daemon=True)
    listener.start()
    try:
        for _round in range(200):
            from campaign.mail import services as mail

            mail.queue(mail.build_message("woken@example.org", "Hi", "text", "<p>html</p>"))
            db.session.commit()  # this app's commit; `other` only hears of it through PostgreSQL
            if bell.wait(0.25):
                break
        assert bell.is_set()
    finally:
        stop.set()
        listener.join(10)
