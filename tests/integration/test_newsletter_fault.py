"""A worker killed mid-send loses nothing, and several workers never send a row twice.

The workers are real `flask worker` processes on the test database, sending to a counting SMTP
sink started here; the test counts what each recipient actually received.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter.models import Issue, OutboxRow
from tests.conftest import TEST_SECRET
from tests.integration.newsletter_helpers import add_subscribers, counting_sink, start_issue

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 3000
BATCH = 50


def _worker(database_url: str, port: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_DEFAULT_SENDER": "campaign@example.org",
        "NEWSLETTER_RATE": "100000",
        "NEWSLETTER_BATCH": str(BATCH),
        "NEWSLETTER_LEASE": "3",
        "NEWSLETTER_MAX_CONNECTIONS": "3",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *extra],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _issue_status(issue_id: int) -> str:
    db.session.expire_all()
    status = db.session.scalar(select(Issue.status).where(Issue.id == issue_id))
    db.session.commit()  # end the read transaction so the workers' writes are seen next time
    return status


def _wait_until_sent(issue_id: int, procs: list[subprocess.Popen[bytes]]) -> None:
    # Bounded so that a bug fails the test instead of hanging the suite; not a speed assertion.
    for _ in range(6000):
        if _issue_status(issue_id) == "sent":
            return
        assert any(p.poll() is None for p in procs), "every worker exited before the send finished"
        time.sleep(0.1)
    raise AssertionError("the send never finished")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait()


def test_sigkill_mid_send_loses_nothing(app, make_user, database_url):
    """After a SIGKILL and a restart every recipient has the mail; at most the batch in flight went twice."""
    with counting_sink() as (sink, port):
        addresses = add_subscribers(RECIPIENTS)
        issue_id = start_issue(make_user(Role.ORGANISER))
        first = _worker(database_url, port)
        try:
            while sink.total < RECIPIENTS // 3:
                assert first.poll() is None, "the worker died by itself"
                time.sleep(0.01)
            first.send_signal(signal.SIGKILL)
            first.wait()
            sent_before_restart = sink.total
            assert sent_before_restart < RECIPIENTS, "the worker finished before it could be killed"
        finally:
            if first.poll() is None:
                first.kill()
        second = _worker(database_url, port)
        try:
            _wait_until_sent(issue_id, [second])
        finally:
            _stop([second])
        missing = [a for a in addresses if sink.counts[a] == 0]
        duplicates = sum(n - 1 for n in sink.counts.values() if n > 1)
        print(f"killed after {sent_before_restart} mails; {duplicates} sent twice; {len(missing)} missing")
        assert missing == []
        assert duplicates <= BATCH
        assert db.session.scalar(
            select(func.count()).where(OutboxRow.issue_id == issue_id, OutboxRow.status != "sent")
        ) == 0


def test_three_workers_never_send_a_row_twice(app, make_user, database_url):
    """Three workers sharing PostgreSQL split the send between them and no one gets the mail twice."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers in parallel need PostgreSQL (SQLite has one writer by design)")
    with counting_sink() as (sink, port):
        addresses = add_subscribers(RECIPIENTS)
        issue_id = start_issue(make_user(Role.ORGANISER))
        procs = [_worker(database_url, port) for _ in range(3)]
        try:
            _wait_until_sent(issue_id, procs)
        finally:
            _stop(procs)
        owners = db.session.scalars(select(OutboxRow.claimed_by).where(OutboxRow.issue_id == issue_id).distinct())
        pids = {owner.split(":")[1] for owner in owners}
        assert [a for a in addresses if sink.counts[a] != 1] == []
        assert sink.total == RECIPIENTS
        assert len(pids) >= 2  # the work was really shared between processes
