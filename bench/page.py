"""When a petition takes off: its page and a signer's whole visit, against the bare ceiling.

    .venv/bin/python -m bench.page            # short phases (3 s), 3 rounds
    .venv/bin/python -m bench.page --full     # 8 s phases, 5 rounds

One gunicorn (-w 2, the same for every phase) serves the app and, beside it, a bare one-route
Flask app at /bench/bare/ (bench/serve.py): no database, session, template or hook. Nothing is
measured until every worker has answered and each page has been served for a while. Phases
alternate (A, B, A, B, ...) so a busy neighbour on the shared machine weighs on both sides; each
figure shows min, median and max over the rounds, and the table takes the median.

1. Petition page against the bare route, both loaded by wrk (C, one thread): requests/s, and
   the server's CPU per request read from /proc (gunicorn's processes only). The measured page
   is a new visitor's (no cookie: a session and a CSRF token are made); a returning visitor's and
   a revalidation (If-None-Match, answered 304) are shown too. Once warm, these are answered by
   the rush path (campaign/petitions/page.py RushPath), before Flask's request machinery.
2. A signer's whole visit (petition page, sign POST, thanks page), against the bare route, both
   driven by the same Python client: visits/s against bare requests/s, and server CPU.
   Rate limits are off in this app (every simulated signer comes from 127.0.0.1).
3. The sign POST's CPU with 100 and with 100,000 distinct visitors already seen by the rate
   limiter: in-process (Flask test client, process CPU), limits on, the in-memory store. The
   same for `limits`' own memory store is printed for comparison.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import serve
from bench.common import Figure, alternate, show_spread, spread, table
from bench.signing import SECRET, SLUG, _prepare, _sign_body

PAGE = f"/petitions/{SLUG}"


# --- 1. the page, with wrk ------------------------------------------------------------------------


def _cookie(server: serve.Server) -> str:
    """A returning visitor's settled session cookie (the second answer rewrites it once)."""
    cookie = ""
    for _ in range(2):
        _status, data = asyncio.run(serve.request(server.port, serve.get(PAGE, cookie)))
        found = re.search(rb"Set-Cookie: (session=[^;]+)", data)
        if found:
            cookie = found.group(1).decode()
    return cookie


def page_figures(server: serve.Server, seconds: float, rounds: int) -> list[Figure]:
    bare: list[serve.Phase] = []
    page: list[serve.Phase] = []

    def a() -> float:
        bare.append(serve.wrk(server, serve.BARE, seconds))
        return bare[-1].rate

    def b() -> float:
        page.append(serve.wrk(server, PAGE, seconds))
        return page[-1].rate

    bare_rates, page_rates = alternate(rounds, a, b)
    cookie = _cookie(server)
    returning = serve.wrk(server, PAGE, seconds, headers={"Cookie": cookie})
    _status, data = asyncio.run(serve.request(server.port, serve.get(PAGE, cookie)))
    etag = re.search(rb'ETag: ("[^"]+")', data)
    revalidate = (
        serve.wrk(server, PAGE, seconds, headers={"Cookie": cookie, "If-None-Match": etag.group(1).decode()})
        if etag
        else None
    )

    ratios = [p / q for p, q in zip(page_rates, bare_rates, strict=True)]
    cpu_ratios = [q.cpu_ms / p.cpu_ms for p, q in zip(page, bare, strict=True) if p.cpu_ms]
    print("\n[petition page vs bare route, wrk -t1 -c16, gunicorn -w 2, SQLite]", file=sys.stderr)
    print(show_spread("bare route (req/s)", bare_rates, "req/s", 0), file=sys.stderr)
    print(show_spread("petition page, new visitor (req/s)", page_rates, "req/s", 0), file=sys.stderr)
    print(show_spread("throughput ratio page/bare", ratios), file=sys.stderr)
    print(show_spread("server CPU ms/request, bare", [p.cpu_ms for p in bare], "ms", 3), file=sys.stderr)
    print(show_spread("server CPU ms/request, page", [p.cpu_ms for p in page], "ms", 3), file=sys.stderr)
    print(show_spread("CPU capacity ratio bare/page", cpu_ratios), file=sys.stderr)
    print(
        f"returning visitor (cookie): {returning.rate:.0f} req/s, {returning.cpu_ms:.3f} ms CPU/request",
        file=sys.stderr,
    )
    if revalidate:
        print(
            f"revalidation (If-None-Match -> 304): {revalidate.rate:.0f} req/s, {revalidate.cpu_ms:.3f} ms CPU/request",
            file=sys.stderr,
        )
    failed = sum(p.failed for p in bare + page)
    return [
        Figure("petition page vs bare route: req/s (wrk)", spread(page_rates)[1], spread(bare_rates)[1], "req/s", 0.5),
        Figure(
            "petition page vs bare route: CPU capacity",
            spread([1 / p.cpu_ms for p in page])[1] * 1000,
            spread([1 / p.cpu_ms for p in bare])[1] * 1000,
            "req/cpu-s",
            0.5,
        ),
        Figure("petition page phases: failed requests", failed, 1, "count", 0.0, higher_is_better=False),
    ]


# --- 2. the whole visit, with one Python client for both sides ------------------------------------


async def _bare_phase(port: int, seconds: float, concurrency: int) -> tuple[int, int]:
    done = failed = 0
    deadline = time.perf_counter() + seconds

    async def user() -> None:
        nonlocal done, failed
        while time.perf_counter() < deadline:
            status, _data = await serve.request(port, serve.get(serve.BARE))
            if status == 200:
                done += 1
            else:
                failed += 1

    await asyncio.gather(*(user() for _ in range(concurrency)))
    return done, failed


async def _visit_phase(port: int, seconds: float, concurrency: int, run_id: str, counter: Any) -> tuple[int, int]:
    done = failed = 0
    deadline = time.perf_counter() + seconds

    async def one() -> bool:
        status, data = await serve.request(port, serve.get(PAGE))
        cookie = re.search(rb"Set-Cookie: (session=[^;]+)", data)
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', data)
        if status != 200 or not cookie or not token:
            return False
        jar = cookie.group(1).decode()
        body = urlencode(_sign_body(token.group(1).decode(), f"v{run_id}-{next(counter)}@example.org")).encode()
        raw = (
            f"POST {PAGE}/sign HTTP/1.0\r\nHost: 127.0.0.1\r\nCookie: {jar}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        status, data = await serve.request(port, raw)
        location = re.search(rb"Location: (\S+)", data)
        if status != 303 or not location:
            return False
        newer = re.search(rb"Set-Cookie: (session=[^;]+)", data)
        jar = newer.group(1).decode() if newer else jar
        target = location.group(1).decode().split("127.0.0.1", 1)[-1].split(f":{port}", 1)[-1]
        status, _data = await serve.request(port, serve.get(target, jar))
        return status == 200

    async def user() -> None:
        nonlocal done, failed
        while time.perf_counter() < deadline:
            if await one():
                done += 1
            else:
                failed += 1

    await asyncio.gather(*(user() for _ in range(concurrency)))
    return done, failed


def visit_figures(server: serve.Server, seconds: float, rounds: int, concurrency: int = 16) -> list[Figure]:
    run_id = os.urandom(3).hex()
    counter = iter(range(10**9))
    bare: list[serve.Phase] = []
    visits: list[serve.Phase] = []

    def measure(into: list[serve.Phase], phase: Any) -> float:
        before = serve.server_cpu(server.master)
        began = time.perf_counter()
        done, failed = asyncio.run(phase)
        took = time.perf_counter() - began
        server_cpu = serve.server_cpu(server.master) - before
        into.append(serve.Phase(done, took, server_cpu, failed))
        return into[-1].rate

    bare_rates, visit_rates = alternate(
        rounds,
        lambda: measure(bare, _bare_phase(server.port, seconds, concurrency)),
        lambda: measure(visits, _visit_phase(server.port, seconds, concurrency, run_id, counter)),
    )
    ratios = [v / b for v, b in zip(visit_rates, bare_rates, strict=True)]
    print(f"\n[signer's whole visit (page, POST, thanks) vs bare route, Python client x{concurrency}]", file=sys.stderr)
    print(show_spread("bare route (req/s)", bare_rates, "req/s", 0), file=sys.stderr)
    print(show_spread("whole visits (visits/s)", visit_rates, "visits/s", 0), file=sys.stderr)
    print(show_spread("ratio visits/bare requests", ratios), file=sys.stderr)
    print(show_spread("server CPU ms/bare request", [p.cpu_ms for p in bare], "ms", 3), file=sys.stderr)
    print(show_spread("server CPU ms/visit", [p.cpu_ms for p in visits], "ms", 3), file=sys.stderr)
    failed = sum(p.failed for p in bare + visits)
    return [
        Figure(
            "signer's whole visit vs bare route: per s", spread(visit_rates)[1], spread(bare_rates)[1], "visits/s", 0.2
        ),
        Figure(
            "signer's whole visit vs bare: CPU capacity",
            spread([1 / p.cpu_ms for p in visits])[1] * 1000,
            spread([1 / p.cpu_ms for p in bare])[1] * 1000,
            "per cpu-s",
            0.2,
        ),
        Figure("signer's visit phases: failed visits", failed, 1, "count", 0.0, higher_is_better=False),
    ]


# --- 3. the sign POST's CPU against the number of visitors the rate limiter has seen ------------


def _sign_cpu(url: str, instance: Path, storage: str, seen: int, posts: int) -> float:
    """Process CPU ms per sign POST after `seen` visitors' counters are in the limiter's store."""
    from campaign import create_app
    from campaign.extensions import db, limiter

    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_ENABLED": True,
        }
    )
    store = limiter.storage
    # What the sign route's "10 per minute; 100 per hour" leaves per visitor: two counters.
    for n in range(seen):
        store.incr(f"LIMITER/seen{n}/petitions.sign/10/1/minute", 60)
        store.incr(f"LIMITER/seen{n}/petitions.sign/100/1/hour", 3600)
    client = app.test_client(use_cookies=False)
    first = client.get(PAGE)
    cookie = first.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', first.get_data(as_text=True))
    assert token
    tag = os.urandom(3).hex()

    def post(n: int) -> int:
        return client.post(
            f"{PAGE}/sign",
            headers={"Cookie": cookie},
            data=_sign_body(token.group(1), f"r{tag}-{n}@example.org"),
            environ_base={"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"},
        ).status_code

    assert post(-1) == 303
    began = time.process_time()  # includes any thread the store runs (limits' memory store has one)
    for n in range(posts):
        assert post(n) == 303
    cpu = (time.process_time() - began) / posts * 1000
    with app.app_context():
        db.engine.dispose()
    timer = getattr(store, "timer", None)
    if timer is not None:
        # limits' memory store expires keys on a timer thread, which a reset under it trips over.
        timer.cancel()
        timer.join()
    store.reset()
    return cpu


def limiter_figures(url: str, instance: Path, rounds: int, posts: int) -> list[Figure]:
    few, many = 100, 100_000
    small, large = alternate(
        rounds,
        lambda: _sign_cpu(url, instance, "bounded-memory://", few, posts),
        lambda: _sign_cpu(url, instance, "bounded-memory://", many, posts),
    )
    print(f"\n[sign POST CPU vs visitors seen by the rate limiter, in-process, {posts} POSTs a round]", file=sys.stderr)
    print(show_spread(f"bounded store, {few:,} visitors (ms/POST)", small, "ms", 3), file=sys.stderr)
    print(show_spread(f"bounded store, {many:,} visitors (ms/POST)", large, "ms", 3), file=sys.stderr)
    old_small = _sign_cpu(url, instance, "memory://", few, posts)
    old_large = _sign_cpu(url, instance, "memory://", many, posts)
    print(
        f"for comparison, limits' memory:// store: {old_small:.3f} ms/POST at {few:,}, {old_large:.3f} at {many:,}",
        file=sys.stderr,
    )
    return [
        Figure(
            f"sign POST CPU, {many:,} vs {few} visitors seen",
            spread(large)[1],
            spread(small)[1],
            "ms",
            1.10,
            higher_is_better=False,
        )
    ]


def run(full: bool = False) -> list[Figure]:
    seconds, rounds = (8.0, 5) if full else (3.0, 3)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        url = f"sqlite:///{instance / 'bench.sqlite3'}"
        _prepare(url, instance)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "BENCH_INSTANCE": str(instance)}
        with serve.gunicorn(env, instance, [serve.BARE, PAGE, f"{PAGE}/thanks"]) as server:
            if serve.have_wrk():
                figures += page_figures(server, seconds, rounds)
            else:
                print("wrk is not installed (apt-get install wrk): page figures skipped", file=sys.stderr)
            figures += visit_figures(server, seconds, rounds)
        figures += limiter_figures(url, instance, rounds, 600 if full else 300)
    return figures


if __name__ == "__main__":
    found = run(full="--full" in sys.argv)
    print(table(found))
    sys.exit(0 if all(f.met for f in found) else 1)
