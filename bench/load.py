"""A mixed load on gunicorn over loopback: public pages, signing, subscribing, volunteer sign-up
and staff pages, for a bounded time; then a count check that every accepted write is stored.

    .venv/bin/python -m bench.load                 # SQLite, one gunicorn (-w 2), 20 s
    .venv/bin/python -m bench.load --full          # 60 s
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.load
                                                   # also PostgreSQL with two gunicorn instances

Prints requests/s, p50/p99 per route and the error count (target 0), beside the same servers'
bare route (/bench/bare/, bench/serve.py) measured in the same run, half before the mixed load and
half after. Nothing is measured before every worker has answered. Rate limits are off (every
client is 127.0.0.1).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.common import Figure, table
from bench.serve import BARE, gunicorn
from bench.signing import (
    SECRET,
    _get,
    _pct,
    _post,
    _request,
    bench_app,
)

PETITION = "maskpark-takedown"
ORGANISER = ("organiser@example.org", "maskpark-demo-2026")
# Answers a raw request sent to a port: (status, raw response). Plain TCP by default.
Send = Callable[[int, bytes], Awaitable[tuple[int, bytes]]]
# The session cookie: `__Host-session` under HTTPS.
_COOKIE = rb"Set-Cookie: ((?:__Host-)?session=[^;]+)"
# route -> weight: most visitors read, some write, a few staff work.
MIX = {"home": 20, "petition": 25, "count_json": 10, "sign": 20, "subscribe": 8, "volunteer": 5,
       "staff_petitions": 6, "staff_volunteers": 6}


def _prepare(url: str, instance: Path) -> None:
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET, BENCH_INSTANCE=str(instance))
    from flask_migrate import upgrade

    from campaign.extensions import db

    app = bench_app()
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        db.engine.dispose()


def _counts(run_id: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from campaign.extensions import db
    from campaign.newsletter.models import Subscriber
    from campaign.petitions.models import Signature
    from campaign.volunteers.models import Volunteer

    app = bench_app()
    with app.app_context():
        like = f"%+{run_id}-%"
        found = {
            "sign": db.session.scalar(select(func.count()).select_from(Signature).where(Signature.email.like(like))),
            "subscribe": db.session.scalar(
                select(func.count()).select_from(Subscriber).where(Subscriber.email.like(like))
            ),
            "volunteer": db.session.scalar(
                select(func.count()).select_from(Volunteer).where(Volunteer.email.like(like))
            ),
        }
        db.engine.dispose()
    return {k: v or 0 for k, v in found.items()}


async def _session(port: int, staff: bool, send: Send = _request) -> tuple[str, str]:
    """A browser-like session: cookie and CSRF token from a page; signed in when `staff`."""
    _status, data = await send(port, _get(f"/petitions/{PETITION}"))
    cookie = re.search(_COOKIE, data).group(1).decode()  # type: ignore[union-attr]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', data).group(1).decode()  # type: ignore[union-attr]
    if staff:
        _status, data = await send(port, _post("/login", {"csrf_token": token, "email": ORGANISER[0],
                                                              "password": ORGANISER[1]}, cookie))
        cookie = re.search(_COOKIE, data).group(1).decode()  # type: ignore[union-attr]
    return cookie, token


def _make(route: str, n: int, run_id: str, cookie: str, token: str) -> bytes:
    email = f"load+{run_id}-{route}-{n}@example.org"
    if route == "home":
        return _get("/")
    if route == "petition":
        return _get(f"/petitions/{PETITION}")
    if route == "count_json":
        return _get(f"/petitions/{PETITION}.json")
    if route == "sign":
        return _post(
            f"/petitions/{PETITION}/sign",
            {
                "csrf_token": token,
                "name": "负载 测试",
                "email": email,
                "region": "广东",
                "display": "initials",
                "src": "telegram",
            },
            cookie,
        )
    if route == "subscribe":
        return _post("/subscribe", {"csrf_token": token, "email": email, "language": "zh"}, cookie)
    if route == "volunteer":
        return _post("/volunteer", {"csrf_token": token, "nickname": "阿木", "email": email, "languages": "zh",
                                    "consent_data": "y"}, cookie)
    if route == "staff_petitions":
        return _get("/staff/petitions", cookie)
    return _get("/staff/volunteers", cookie)


async def _mixed(ports: list[int], seconds: float, concurrency: int, run_id: str,
                 send: Send = _request) -> dict[str, object]:
    rng = random.Random(3)
    routes = [r for r, w in MIX.items() for _ in range(w)]
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    accepted: dict[str, int] = defaultdict(int)
    sessions = [await _session(ports[i % len(ports)], staff=True, send=send) for i in range(concurrency)]
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    async def user(index: int) -> None:
        port = ports[index % len(ports)]
        cookie, token = sessions[index]
        while time.perf_counter() < deadline:
            route = rng.choice(routes)
            raw = _make(route, next(counter), run_id, cookie, token)
            began = time.perf_counter()
            try:
                status, _data = await send(port, raw)
            except OSError:
                status = 0
            latencies[route].append(time.perf_counter() - began)
            if status >= 500 or status == 0 or status in (400, 403, 429):
                errors[route] += 1
            elif route in ("sign", "subscribe", "volunteer"):
                accepted[route] += 1

    began = time.perf_counter()
    await asyncio.gather(*(user(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - began
    return {"latencies": latencies, "errors": errors, "accepted": accepted, "elapsed": elapsed}


async def _bare(ports: list[int], seconds: float, concurrency: int, send: Send = _request,
                path: str = BARE) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def user(index: int) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await send(ports[index % len(ports)], _get(path))
            done += 1

    began = time.perf_counter()
    await asyncio.gather(*(user(i) for i in range(concurrency)))
    return done / (time.perf_counter() - began)


def bench_database(label: str, url: str, instances: int, seconds: float, concurrency: int = 24) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        _prepare(url, instance)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "BENCH_INSTANCE": str(instance)}
        with contextlib.ExitStack() as stack:
            servers = [stack.enter_context(gunicorn(env, instance, [BARE, f"/petitions/{PETITION}", "/"]))
                       for _ in range(instances)]
            ports = [server.port for server in servers]
            run_id = f"{int(time.time())}"
            bare = asyncio.run(_bare(ports, min(4.0, seconds / 4), concurrency))
            result = asyncio.run(_mixed(ports, seconds, concurrency, run_id))
            bare = (bare + asyncio.run(_bare(ports, min(4.0, seconds / 4), concurrency))) / 2
        stored = _counts(run_id)
    latencies, errors, accepted = result["latencies"], result["errors"], result["accepted"]  # type: ignore[assignment]
    total = sum(len(v) for v in latencies.values())  # type: ignore[union-attr]
    rate = total / result["elapsed"]  # type: ignore[operator]
    print(f"\n{label}: {total} requests in {result['elapsed']:.1f} s = {rate:.0f} req/s "
          f"(bare route {bare:.0f} req/s), {instances} gunicorn instance(s) x 2 workers", file=sys.stderr)
    print(f"{'route':<18} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}", file=sys.stderr)
    for route in MIX:
        values = latencies.get(route, [])  # type: ignore[union-attr]
        print(f"{route:<18} {len(values):>9} {_pct(values, 0.5):>8.1f} {_pct(values, 0.99):>8.1f} "
              f"{errors.get(route, 0):>7}", file=sys.stderr)  # type: ignore[union-attr]
    lost = {k: accepted.get(k, 0) - v for k, v in stored.items()}  # type: ignore[union-attr]
    print(f"accepted writes {dict(accepted)}; stored {stored}; missing {lost}", file=sys.stderr)
    error_count = sum(errors.values())  # type: ignore[union-attr]
    missing = sum(max(0, n) for n in lost.values())
    return [
        Figure(f"mixed load {label}: req/s vs bare route", rate, bare, "req/s", 0.3),
        Figure(f"mixed load {label}: errors (target 0)", error_count, 1, "count", 0.0, higher_is_better=False),
        Figure(f"mixed load {label}: accepted writes missing", missing, 1, "count", 0.0, higher_is_better=False),
    ]


def run(full: bool = False) -> list[Figure]:
    seconds = 60.0 if full else 20.0
    figures = bench_database(
        "SQLite", f"sqlite:///{tempfile.gettempdir()}/bench-load-{os.getpid()}.sqlite3", 1, seconds
    )
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        figures += bench_database("PostgreSQL x2 hosts", url, 2, seconds)
    return figures


if __name__ == "__main__":
    print(table(run(full="--full" in sys.argv)))
