"""Events: 500 people reply at once to an event of capacity 100, through gunicorn.

    .venv/bin/python -m bench.events                                     # SQLite
    BENCH_DATABASE_URL=postgresql://... .venv/bin/python -m bench.events  # SQLite, then PostgreSQL

Capacity is decided when the mailed link is followed (a place is held only by a proven address),
so each round has two measured rushes against gunicorn -w 2: 500 concurrent RSVP form posts, then
(after the worker's notice job has created the 500 pending replies and queued their mail, run
in-process here and not timed) 500 concurrent confirmations. Each round prints the outcome:
exactly 100 confirmed, 400 waiting, 0 errors. Throughput is a ratio of the bare route
(bench/serve.py) rushed the same way (500 concurrent requests) in the same round; rounds
alternate bare and measured phases, and min/median/max are printed.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Figure, show_spread, table
from bench.serve import BARE, get, gunicorn, request
from bench.signing import SECRET, _post, bench_app

PEOPLE = 500
CAPACITY = 100
OK = {303}


def _prepare(url: str, instance: Path) -> None:
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET, BENCH_INSTANCE=str(instance),
                      BASE_URL="http://127.0.0.1")
    from flask_migrate import upgrade

    app = bench_app()
    with app.app_context():
        upgrade()
        from campaign.extensions import db

        db.engine.dispose()


def _new_event() -> int:
    """A published event of capacity 100 in a new (open) working group."""
    from datetime import timedelta

    from campaign.events.models import Event
    from campaign.extensions import db
    from campaign.timeutil import utcnow
    from campaign.volunteers.models import WorkingGroup

    app = bench_app()
    with app.app_context():
        group = WorkingGroup(name={"zh_Hans": "压测小组", "en": "Bench group"})
        db.session.add(group)
        db.session.flush()
        start = utcnow() + timedelta(days=7)
        event = Event(group_id=group.id, status="published", title={"zh_Hans": "压测活动"}, area={"zh_Hans": "线上"},
                      starts_at=start, ends_at=start + timedelta(hours=2), capacity=CAPACITY)
        db.session.add(event)
        db.session.commit()
        event_id = event.id
        db.engine.dispose()
    return event_id


def _handle_notices(event_id: int) -> list[str]:
    """What the worker does after the rush (not timed): each notice becomes a pending reply with
    its mail queued. Returns the confirmation paths, as the mails carry them."""
    from sqlalchemy import select

    from campaign import notices
    from campaign.events import services as events
    from campaign.events.models import Rsvp
    from campaign.extensions import db

    app = bench_app()
    with app.app_context():
        while notices.handle_due(limit=1000):
            pass
        replies = db.session.scalars(select(Rsvp).where(Rsvp.event_id == event_id).order_by(Rsvp.id)).all()
        with app.test_request_context():
            paths = [events.confirm_link(r).removeprefix("http://127.0.0.1") for r in replies]
        db.engine.dispose()
    return paths


def _outcome(event_id: int) -> dict[str, int]:
    from sqlalchemy import func, select

    from campaign.events.models import Event, Rsvp
    from campaign.extensions import db

    app = bench_app()
    with app.app_context():
        rows = dict(db.session.execute(select(Rsvp.status, func.count()).where(Rsvp.event_id == event_id)
                                       .group_by(Rsvp.status)).all())
        event = db.session.get(Event, event_id)
        assert event is not None
        rows["counter"] = event.confirmed_count
        db.engine.dispose()
    return {str(k): int(v) for k, v in rows.items()}


async def _sessions(port: int, paths: list[str]) -> list[tuple[str, str]]:
    """(cookie, CSRF token) per visitor, from a visit to the page holding the form (not timed)."""
    found = []
    for path in paths:
        _status, data = await request(port, get(path))
        cookie = re.search(rb"Set-Cookie: (session=[^;]+)", data)
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', data)
        assert cookie and token, f"{path} gave no session or CSRF token"
        found.append((cookie.group(1).decode(), token.group(1).decode()))
    return found


async def _rush(port: int, raws: list[bytes], ok: set[int]) -> tuple[float, int, dict[int, int]]:
    """Send every request at once; (requests per second, errors, status codes)."""
    codes: dict[int, int] = {}

    async def one(raw: bytes) -> None:
        try:
            status, _data = await request(port, raw)
        except OSError:
            status = 0
        codes[status] = codes.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(one(raw) for raw in raws))
    took = time.perf_counter() - started
    return len(raws) / took, sum(n for code, n in codes.items() if code not in ok), codes


def bench_database(label: str, url: str, instance: Path, rounds: int) -> tuple[list[float], list[float], bool]:
    _prepare(url, instance)
    env = {**os.environ}
    rsvp_ratios: list[float] = []
    confirm_ratios: list[float] = []
    all_right = True
    with gunicorn(env, instance, warm_paths=[BARE], warm_seconds=2.0) as server:
        for n in range(rounds):
            event_id = _new_event()
            page = f"/events/{event_id}"
            sessions = asyncio.run(_sessions(server.port, [page] * PEOPLE))
            bare_raws = [get(BARE)] * PEOPLE
            bare1, bare_err1, _c = asyncio.run(_rush(server.port, bare_raws, {200}))
            rsvp_raws = [_post(f"{page}/rsvp", {"csrf_token": token, "nickname": f"人{i}",
                                                 "email": f"p{n}-{i}@example.org"}, cookie)
                         for i, (cookie, token) in enumerate(sessions)]
            rsvp_rate, rsvp_err, rsvp_codes = asyncio.run(_rush(server.port, rsvp_raws, OK))
            paths = _handle_notices(event_id)
            confirm_sessions = asyncio.run(_sessions(server.port, paths))
            bare2, bare_err2, _c = asyncio.run(_rush(server.port, bare_raws, {200}))
            confirm_raws = [_post(path, {"csrf_token": token}, cookie)
                            for path, (cookie, token) in zip(paths, confirm_sessions, strict=True)]
            confirm_rate, confirm_err, confirm_codes = asyncio.run(_rush(server.port, confirm_raws, OK))
            outcome = _outcome(event_id)
            errors = rsvp_err + confirm_err + bare_err1 + bare_err2 + (PEOPLE - len(paths))
            right = (outcome.get("confirmed") == CAPACITY and outcome.get("waiting") == PEOPLE - CAPACITY
                     and outcome["counter"] == CAPACITY and errors == 0)
            all_right = all_right and right
            print(f"{label} round {n + 1}: {outcome.get('confirmed', 0)} confirmed, "
                  f"{outcome.get('waiting', 0)} waiting, "
                  f"{errors} errors (replies {rsvp_codes}, confirmations {confirm_codes}); "
                  f"RSVP {rsvp_rate:.0f}/s, confirm {confirm_rate:.0f}/s, bare {bare1:.0f}/s and {bare2:.0f}/s"
                  f"{'' if right else '  <-- WRONG'}", flush=True)
            rsvp_ratios.append(rsvp_rate / bare1)
            confirm_ratios.append(confirm_rate / bare2)
    print(show_spread(f"{label}: RSVP post / bare route", rsvp_ratios))
    print(show_spread(f"{label}: confirmation / bare route", confirm_ratios))
    return rsvp_ratios, confirm_ratios, all_right


def run(full: bool = False) -> list[Figure]:
    """Entry point for `python -m bench`: per database, the median ratios; 0 when a round was wrong."""
    rounds = 5 if full else 3
    targets: list[tuple[str, Any]] = [("SQLite", None)]
    if os.environ.get("BENCH_DATABASE_URL"):
        targets.append(("PostgreSQL", os.environ["BENCH_DATABASE_URL"]))
    figures = []
    for label, url in targets:
        with tempfile.TemporaryDirectory() as tmp:
            instance = Path(tmp)
            rsvp, confirm, right = bench_database(label, url or f"sqlite:///{instance / 'bench.sqlite3'}",
                                                  instance, rounds)
        rsvp.sort()
        confirm.sort()
        # The issue sets no throughput target: what must hold is exactly 100 confirmed, 400 waiting
        # and 0 errors (a wrong round prints 0). Above that, 0.2 is what we aim for, not a claim.
        figures.append(Figure(f"event RSVP post vs bare ({label})", rsvp[len(rsvp) // 2] if right else 0, 1.0,
                              "ratio", AIM))
        figures.append(Figure(f"event confirmation vs bare ({label})", confirm[len(confirm) // 2] if right else 0,
                              1.0, "ratio", AIM))
    return figures


AIM = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="five rounds instead of three")
    args = parser.parse_args()
    figures = run(args.full)
    print()
    print(table(figures))
    sys.exit(0 if all(f.met for f in figures) else 1)


if __name__ == "__main__":
    main()
