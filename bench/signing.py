"""Signing throughput under a rush, against the same server's bare ceiling.

    .venv/bin/python -m bench.signing            # short run (about 30 s per database)
    .venv/bin/python -m bench.signing --full     # longer phases, more signers
    BENCH_DATABASE_URL=postgresql://... .venv/bin/python -m bench.signing   # SQLite, then PostgreSQL

Starts gunicorn (-w 2) on a loopback port against a fresh SQLite database (and the given
PostgreSQL database), waits until every worker has answered (bench/serve.py), measures
requests/s of the bare route /bench/bare/ (the ceiling: a one-route Flask app served by the same
gunicorn, no database, session or template), then many concurrent signers posting the real sign
form (CSRF token, validation, insert). bench/page.py times a signer's whole visit.
Checks that rows == successful answers, that concurrent duplicates make one row, and that the
server never logged "database is locked". Rate limiting is off in the benchmark app because every
simulated signer comes from 127.0.0.1.

The two phases alternate in short slices so that neighbours on a shared machine weigh on both
alike; the server's own CPU time per request (read from /proc for the gunicorn processes) is
printed too, as the steadiest measure of what a signature costs against a bare request.

`--profile` also prints where an in-process signing request spends its time (cProfile).

What the profile showed, and what the signing path does about it: the ORM unit of work and a
separate petition lookup (one INSERT ... SELECT through Core instead), a flash message that
rewrote the session cookie (the outcome travels in the redirect's query string), Flask-WTF
loading its catalogue per request for an unlabelled field, the form's second CSRF check, the
full email validator (a syntax check; the confirmation mail proves the address), and composing
the confirmation mail (the worker does it, off the request). Markdown is rendered on save.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import re
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask

from bench.common import Figure, table
from bench.serve import get as _get
from bench.serve import request as _request

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-rush"
SECRET = "bench-secret-" + "x" * 32


def bench_app() -> Flask:
    """The app gunicorn serves: `gunicorn 'bench.signing:bench_app()'` (settings from the env)."""
    from bench.serve import with_bare_route
    from campaign import create_app

    # Bench clients send a form as soon as they have its token: the time-to-submit check is off.
    return with_bare_route(create_app(
        {"RATELIMIT_ENABLED": False, "FORM_MIN_SECONDS": 0, "INSTANCE_PATH": os.environ["BENCH_INSTANCE"]}
    ))


def _prepare(url: str, instance: Path) -> None:
    """Migrate the database and create one open petition (replacing an earlier bench run's)."""
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET, BENCH_INSTANCE=str(instance))
    from flask_migrate import upgrade
    from sqlalchemy import delete

    from campaign.extensions import db
    from campaign.petitions.models import Petition

    app = bench_app()
    with app.app_context():
        upgrade()
        db.session.execute(delete(Petition).where(Petition.slug == SLUG))
        db.session.add(Petition(slug=SLUG, status="open", goal=100,
                                title={"zh_Hans": "压测请愿", "en": "Bench petition"},
                                body={"zh_Hans": "正文"}, body_html={"zh_Hans": "<p>正文</p>"}))
        db.session.commit()
        db.engine.dispose()


def _count_rows(duplicate: str) -> tuple[int, int, int]:
    """(signature rows, rows of the duplicated address, the kept count) in the bench petition."""
    from sqlalchemy import func, select

    from campaign.extensions import db
    from campaign.petitions.models import Petition, Signature

    app = bench_app()
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == SLUG))
        assert petition is not None
        mine = select(func.count()).select_from(Signature).where(Signature.petition_id == petition.id)
        rows = db.session.scalar(mine) or 0
        dups = db.session.scalar(mine.where(Signature.email == duplicate)) or 0
        kept = petition.signature_count
        db.engine.dispose()
        return rows, dups, kept


# --- a small HTTP/1.0 client: one connection per request, as gunicorn's sync workers want ----------


@dataclass
class Tally:
    ok: int = 0
    failed: int = 0
    codes: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)


def _post(path: str, body: dict[str, str], cookie: str) -> bytes:
    payload = urlencode(body).encode()
    head = (
        f"POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def _sessions(port: int, count: int) -> list[tuple[str, str]]:
    """(cookie, csrf token) pairs, each from a visit to the petition page, as a browser gets them."""
    found = []
    for _ in range(count):
        _status, data = await _request(port, _get(f"/petitions/{SLUG}"))
        cookie = re.search(rb"Set-Cookie: (session=[^;]+)", data)
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', data)
        assert cookie and token, "the petition page gave no session or CSRF token"
        found.append((cookie.group(1).decode(), token.group(1).decode()))
    return found


async def _run(port: int, seconds: float, concurrency: int, make: Any, ok_codes: set[int]) -> tuple[Tally, float]:
    tally = Tally()
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def user() -> None:
        while time.perf_counter() < deadline:
            raw = make(next(counter))
            started = time.perf_counter()
            try:
                status, _data = await _request(port, raw)
            except OSError:
                status = 0
            tally.latencies.append(time.perf_counter() - started)
            tally.codes[status] = tally.codes.get(status, 0) + 1
            if status in ok_codes:
                tally.ok += 1
            else:
                tally.failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(concurrency)))
    return tally, time.perf_counter() - started


def _sign_body(token: str, email: str) -> dict[str, str]:
    return {"csrf_token": token, "name": "压测 签名者", "email": email, "region": "广东",
            "comment": "", "display": "initials", "src": "telegram"}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_database(label: str, url: str, instance: Path, seconds: float, concurrency: int) -> tuple[float, float]:
    """(signatures/s, bare requests/s) on one database."""
    from bench import serve

    _prepare(url, instance)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "BENCH_INSTANCE": str(instance)}
    with serve.gunicorn(env, instance, [serve.BARE, f"/petitions/{SLUG}"]) as server:
        return asyncio.run(_measure(label, server.port, seconds, concurrency, server.log, server.master))


ROUNDS = 4


def _server_cpu(master: int) -> float:
    from bench.serve import server_cpu

    return server_cpu(master)


async def _measure(label: str, port: int, seconds: float, concurrency: int, log: Path,
                   master: int) -> tuple[float, float]:
    from bench.serve import BARE

    sessions = await _sessions(port, 32)
    run_id = os.urandom(3).hex()
    path = f"/petitions/{SLUG}/sign"
    counter = iter(range(10**9))

    def signer(_n: int) -> bytes:
        n = next(counter)
        cookie, token = sessions[n % len(sessions)]
        return _post(path, _sign_body(token, f"s{run_id}-{n}@example.org"), cookie)

    warm, _t = await _run(port, 1.0, 8, signer, {303})
    # Bare and signing phases alternate in short slices, so a noisy neighbour on the shared
    # machine weighs on both alike and the ratio stays meaningful.
    bare, sign = Tally(), Tally()
    bare_time = sign_time = 0.0
    cpu = {"bare": 0.0, "sign": 0.0}
    for _round in range(ROUNDS):
        for tally, make, ok in ((bare, lambda _n: _get(BARE), {200}), (sign, signer, {303})):
            before = _server_cpu(master)
            part, took = await _run(port, seconds / ROUNDS, concurrency, make, ok)
            cpu["bare" if tally is bare else "sign"] += _server_cpu(master) - before
            tally.ok += part.ok
            tally.failed += part.failed
            tally.latencies += part.latencies
            for code, n in part.codes.items():
                tally.codes[code] = tally.codes.get(code, 0) + n
            if tally is bare:
                bare_time += took
            else:
                sign_time += took
    bare_rate = bare.ok / bare_time
    sign_rate = sign.ok / sign_time

    # Duplicates sent at once: one row, every answer a polite redirect.
    cookie, token = sessions[0]
    duplicate = f"dup{run_id}@example.org"
    dup = _post(path, _sign_body(token, duplicate), cookie)
    dup_codes = sorted({code for code, _data in await asyncio.gather(*(_request(port, dup) for _ in range(20)))})

    rows, dup_rows, kept = _count_rows(duplicate)
    answered = warm.ok + sign.ok + 1
    locked = "database is locked" in log.read_text(errors="replace")

    print(f"\n[{label}] gunicorn -w 2, {concurrency} concurrent clients, {seconds:.0f} s per phase "
          f"in {ROUNDS} alternating slices")
    print(f"  bare route         {bare_rate:8.0f} req/s   p50 {_pct(bare.latencies, .5):6.1f} ms"
          f"   p99 {_pct(bare.latencies, .99):6.1f} ms   errors {bare.failed}")
    print(f"  signing (POST)     {sign_rate:8.0f} sig/s   p50 {_pct(sign.latencies, .5):6.1f} ms"
          f"   p99 {_pct(sign.latencies, .99):6.1f} ms   errors {sign.failed} {sign.codes}")
    print(f"  ratio signing/bare {sign_rate / bare_rate:8.2f}   (target >= 0.50)")
    bare_cpu, sign_cpu = cpu["bare"] / max(bare.ok, 1) * 1000, cpu["sign"] / max(sign.ok, 1) * 1000
    print(f"  server CPU/request bare {bare_cpu:.2f} ms, signing {sign_cpu:.2f} ms -> capacity ratio "
          f"{bare_cpu / sign_cpu if sign_cpu else 0:.2f} (gunicorn processes only; steadier on a busy machine"
          f"{'; the PostgreSQL server is extra' if label == 'PostgreSQL' else ''})")
    print(f"  rows {rows} vs successful answers {answered} (warm-up {warm.ok} + measured {sign.ok} + 1 duplicate)")
    print(f"  20 concurrent duplicates -> answers {dup_codes}, rows {dup_rows}; kept count {kept} (none confirmed)")
    print(f"  'database is locked' in server log: {'YES' if locked else 'no'}")
    problems = []
    if rows != answered:
        problems.append("rows differ from successful answers")
    if dup_rows != 1 or dup_codes != [303]:
        problems.append("concurrent duplicates did not make exactly one row")
    if locked:
        problems.append("database is locked")
    if problems:
        raise SystemExit(f"[{label}] FAILED: {'; '.join(problems)}")
    return sign_rate, bare_rate


def profile_signing(requests: int = 300) -> None:
    """Where one signing request spends its time, in-process (no network, no gunicorn)."""
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        _prepare(f"sqlite:///{instance / 'profile.sqlite3'}", instance)
        app = bench_app()
        # No cookie jar: every request carries the first visit's cookie, as each real signer does.
        client = app.test_client(use_cookies=False)
        first = client.get(f"/petitions/{SLUG}")
        cookie = first.headers["Set-Cookie"].split(";", 1)[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', first.data.decode())
        assert token
        timings = {}
        for label, call in (
            ("bare route", lambda n: client.get("/bench/bare/")),
            ("signing POST", lambda n: client.post(f"/petitions/{SLUG}/sign", headers={"Cookie": cookie},
                                                   data=_sign_body(token.group(1), f"p{n}@example.org"))),
        ):
            call(-1)
            started = time.perf_counter()
            for n in range(requests):
                call(n)
            timings[label] = (time.perf_counter() - started) / requests * 1000
        print("\nin-process cost per request (Flask test client, SQLite):")
        for label, ms in timings.items():
            print(f"  {label:<16} {ms:6.2f} ms")
        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(requests):
            client.post(f"/petitions/{SLUG}/sign", headers={"Cookie": cookie},
                        data=_sign_body(token.group(1), f"q{n}@example.org"))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())


def run(full: bool = False) -> list[Figure]:
    """Entry point for `python -m bench`: signing against the bare ceiling, per database."""
    seconds, concurrency = (30.0, 128) if full else (8.0, 48)
    targets = [("SQLite", None)]
    if os.environ.get("BENCH_DATABASE_URL"):
        targets.append(("PostgreSQL", os.environ["BENCH_DATABASE_URL"]))
    figures = []
    for label, url in targets:
        with tempfile.TemporaryDirectory() as tmp:
            instance = Path(tmp)
            sign_rate, bare_rate = bench_database(
                label, url or f"sqlite:///{instance / 'bench.sqlite3'}", instance, seconds, concurrency
            )
        figures.append(Figure(f"sign POST vs bare route ({label})", sign_rate, bare_rate, "req/s", 0.5))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="longer phases (30 s) and more signers")
    parser.add_argument("--profile", action="store_true", help="also profile one signing request in-process")
    args = parser.parse_args()
    figures = run(args.full)
    if args.profile:
        profile_signing()
    print()
    print(table(figures))
    sys.exit(0 if all(f.met for f in figures) else 1)


if __name__ == "__main__":
    main()
