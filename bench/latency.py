"""Confirmation latency: from a signature POST to its confirmation mail arriving at an SMTP sink.

    .venv/bin/python -m bench.latency                # SQLite, 200 signatures per phase
    .venv/bin/python -m bench.latency --full         # 1,000 signatures per phase
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.latency
                                                     # also PostgreSQL

Deployed as the README says: gunicorn (-w 2) serves the app, one `flask worker` process runs
every lane, and an aiosmtpd sink in its own process notes when each mail arrives. Two phases:
idle, and while the worker sends a 20,000-recipient newsletter. Signatures are posted at a steady
pace (10 a second; 33 a second during the send, and only those posted while it ran count) by a
browser-like client; the clock starts before each POST is sent and stops when the sink has the mail.
Prints p50 and p99 of each phase. Target: p99 <= 2 s in both.
"""
from __future__ import annotations

import asyncio
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Figure, table
from bench.serve import wait_listening
from bench.signing import (
    ROOT,
    SECRET,
    SLUG,
    _free_port,
    _get,
    _pct,
    _post,
    _request,
    _sessions,
)

TARGET_SECONDS = 2.0
BULK = 20_000
PACE = 0.1  # seconds between signatures when idle
BUSY_PACE = 0.03  # faster during the send, so that every signature falls inside it


def _sink(port: int, log: str) -> None:
    """Run an SMTP sink until killed, writing `recipient<TAB>arrival time` per message."""
    from aiosmtpd.controller import Controller

    from tests.smtp_support import Pipelining

    out = open(log, "a", buffering=1)  # noqa: SIM115  (open for the life of the process)

    class Note(Pipelining):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            now = time.time()
            for rcpt in envelope.rcpt_tos:
                out.write(f"{rcpt}\t{now}\n")
            return "250 OK"

    controller = Controller(Note(), hostname="127.0.0.1", port=port)
    controller.start()
    asyncio.run(asyncio.sleep(10**9))


def _arrivals(log: Path) -> tuple[dict[str, float], list[float]]:
    """Arrival time of each signer's mail, and those of the newsletter's mails."""
    found: dict[str, float] = {}
    bulk: list[float] = []
    if not log.exists():
        return found, bulk
    for line in log.read_text().splitlines():
        rcpt, _tab, when = line.partition("\t")
        if rcpt.startswith("lat"):
            found.setdefault(rcpt, float(when))
        elif when:
            bulk.append(float(when))
    return found, bulk


def _prepare(url: str, instance: Path) -> int:
    """Migrate, create the petition, 20,000 confirmed subscribers and a draft issue for them."""
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET, BENCH_INSTANCE=str(instance))
    from sqlalchemy import delete, insert

    from bench.signing import _prepare as prepare_petition
    from bench.signing import bench_app
    from campaign.auth.models import Role, User
    from campaign.auth.services import create_user
    from campaign.extensions import db
    from campaign.newsletter import services
    from campaign.newsletter.models import Subscriber
    from campaign.timeutil import utcnow

    prepare_petition(url, instance)
    app = bench_app()
    with app.app_context():
        db.session.execute(delete(Subscriber))
        db.session.execute(delete(User).where(User.email == "latency@example.org"))
        db.session.commit()
        organiser = create_user("latency@example.org", [Role.ORGANISER], password="bench password 123")
        now = utcnow()
        rows = [
            {"email": f"reader{i}@example.net", "name": f"读者{i}", "locale": "zh", "topics": "",
             "status": "confirmed", "source": "bench", "created_at": now, "confirmed_at": now, "bounce_reason": ""}
            for i in range(BULK)
        ]
        for start in range(0, BULK, 5_000):
            db.session.execute(insert(Subscriber), rows[start:start + 5_000])
        issue = services.create_issue(services.IssueData(
            subject="通讯：平台问责的新进展", body="{{name|朋友}}，你好！\n\n" + "我们继续追踪频道的下架情况。" * 20,
        ), organiser)
        db.session.commit()
        issue_id = issue.id
        db.engine.dispose()
    return issue_id


def _start_send(issue_id: int) -> None:
    from bench.signing import bench_app
    from campaign.auth.models import User
    from campaign.extensions import db
    from campaign.newsletter import services

    app = bench_app()
    with app.app_context():
        organiser = db.session.scalar(db.select(User).where(User.email == "latency@example.org"))
        services.start_send(issue_id, organiser)
        db.engine.dispose()


async def _sign(port: int, count: int, phase: str, started: dict[str, float], pace: float) -> int:
    """Post `count` signatures at a steady pace; note when each POST began. Returns failures."""
    sessions = await _sessions(port, 4)
    failed = 0

    async def one(index: int) -> None:
        nonlocal failed
        cookie, token = sessions[index % len(sessions)]
        email = f"lat{phase}-{index}@example.org"
        body = {"csrf_token": token, "name": "延迟 测试", "email": email, "region": "", "display": "initials"}
        started[email] = time.time()
        status, _data = await _request(port, _post(f"/petitions/{SLUG}/sign", body, cookie))
        if status != 303:
            failed += 1

    tasks = []
    for index in range(count):
        tasks.append(asyncio.create_task(one(index)))
        await asyncio.sleep(pace)
    await asyncio.gather(*tasks)
    return failed


def _wait_for(started: dict[str, float], log: Path, rounds: int = 1200) -> dict[str, float]:
    for _round in range(rounds):
        arrived, _bulk = _arrivals(log)
        if all(email in arrived for email in started):
            break
        time.sleep(0.1)
    arrived, _bulk = _arrivals(log)
    return {email: arrived[email] - began for email, began in started.items() if email in arrived}


def _phase(label: str, port: int, count: int, log: Path, phase: str, pace: float,
           during: bool = False) -> tuple[list[float], int]:
    started: dict[str, float] = {}
    failed = asyncio.run(_sign(port, count, phase, started, pace))
    waits = _wait_for(started, log)
    missing = len(started) - len(waits) + failed
    if during:
        # Only signatures posted while the newsletter was being sent count for this phase.
        bulk = _arrivals(log)[1]
        first, last = min(bulk), max(bulk)
        inside = {email for email, began in started.items() if first <= began <= last}
        print(f"{'':<34} newsletter sent from +0 to +{last - first:.1f} s; {len(inside)} of {len(started)} "
              f"signatures posted meanwhile", file=sys.stderr)
        waits = {email: wait for email, wait in waits.items() if email in inside}
    values = sorted(waits.values())
    print(f"{label:<34} {len(values):>5} mails  p50 {_pct(values, 0.5):7.0f} ms  "
          f"p99 {_pct(values, 0.99):7.0f} ms  max {max(values, default=0) * 1000:7.0f} ms  "
          f"missing {missing}", file=sys.stderr)
    return values, missing


def bench_database(label: str, url: str, count: int) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        issue_id = _prepare(url, instance)
        sink_port, web_port = _free_port(), _free_port()
        log = instance / "arrivals.tsv"
        env = {
            **os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "BENCH_INSTANCE": str(instance),
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink_port), "MAIL_DEFAULT_SENDER": "news@example.org",
            "BASE_URL": "https://campaign.example.org", "NEWSLETTER_RATE": "1000000",
        }
        sink = subprocess.Popen([sys.executable, "-m", "bench.latency", "--sink", str(sink_port), str(log)], cwd=ROOT)
        procs = [
            subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{web_port}",
                              "--log-level", "warning", "bench.signing:bench_app()"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen([sys.executable, "-m", "flask", "--app", "bench.signing:bench_app()", "worker"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        ]
        try:
            for _ in range(200):
                try:
                    smtplib.SMTP("127.0.0.1", sink_port, timeout=1).quit()
                    break
                except OSError:
                    time.sleep(0.05)
            wait_listening(web_port, procs[0])
            asyncio.run(_request(web_port, _get(f"/petitions/{SLUG}")))  # warm up both processes
            time.sleep(2.0)
            print(f"\n{label}: gunicorn -w 2 + one `flask worker` (all lanes), {count} signatures per phase, "
                  f"one every {PACE * 1000:.0f} ms", file=sys.stderr)
            idle, idle_missing = _phase("idle", web_port, count, log, "idle", PACE)
            os.environ.update(env)
            _start_send(issue_id)
            for _ in range(600):  # the send is under way before signing starts
                if len(_arrivals(log)[1]) >= 200:
                    break
                time.sleep(0.05)
            busy, busy_missing = _phase(f"during a {BULK:,}-recipient send", web_port, count, log, "busy",
                                        BUSY_PACE, during=True)
            for _ in range(1200):  # let the send finish before the processes stop
                if len(_arrivals(log)[1]) >= BULK:
                    break
                time.sleep(0.1)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            sink.kill()
            sink.wait()
    return [
        Figure(f"confirmation latency {label} idle p99", _pct(idle, 0.99) / 1000, TARGET_SECONDS, "s", 1.0,
               higher_is_better=False),
        Figure(f"confirmation latency {label} bulk p99", _pct(busy, 0.99) / 1000, TARGET_SECONDS, "s", 1.0,
               higher_is_better=False),
        Figure(f"confirmation latency {label}: missing", idle_missing + busy_missing, 1, "count", 0.0,
               higher_is_better=False),
    ]


def run(full: bool = False) -> list[Figure]:
    count = 1000 if full else 200
    figures = bench_database("SQLite", f"sqlite:///{tempfile.gettempdir()}/bench-latency-{os.getpid()}.sqlite3", count)
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        figures += bench_database("PostgreSQL", url, count)
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--sink":
        _sink(int(sys.argv[2]), sys.argv[3])
    else:
        print(table(run(full="--full" in sys.argv)))
