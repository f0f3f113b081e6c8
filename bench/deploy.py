"""The mixed load of bench/load.py through the deployment of deploy/: Debian's nginx over HTTPS
(self-signed, a new TLS connection per request, as many visitors make) in front of two gunicorn
instances (-w 2 each), on PostgreSQL and Redis. Its rate is printed beside a truly bare endpoint
(/bench/bare: no database, template or session) through the same proxy, measured in the same run;
then the count check: every accepted write is stored, and no answer is a 5xx.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python -m bench deploy [--full]

Without BENCH_DATABASE_URL or nginx it says so and measures nothing.
"""
from __future__ import annotations

import asyncio
import os
import ssl
import sys
import tempfile
import time
from pathlib import Path

from bench import load
from bench.common import Figure
from bench.serve import BARE
from bench.signing import SECRET, _pct
from tests.deploy.stack import NGINX, start_stack


def _sender(port: int) -> load.Send:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the stack's own self-signed certificate
    referer = f"Referer: https://127.0.0.1:{port}/\r\n".encode()

    async def send(target: int, raw: bytes) -> tuple[int, bytes]:
        if raw.startswith(b"POST "):
            # Over HTTPS the CSRF check wants the site's own Referer, as a browser sends it.
            head, _sep, rest = raw.partition(b"\r\n")
            raw = head + b"\r\n" + referer + rest
        reader, writer = await asyncio.open_connection("127.0.0.1", target, ssl=context)
        writer.write(raw)
        data = await reader.read()
        writer.close()
        status = int(data[9:12]) if data.startswith(b"HTTP/") else 0
        return status, data

    return send


def run(full: bool = False) -> list[Figure]:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not Path(NGINX).exists():
        print("deploy: set BENCH_DATABASE_URL (PostgreSQL) and install nginx to measure through the proxy",
              file=sys.stderr)
        return []
    seconds = 60.0 if full else 20.0
    concurrency = 24
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder) / "instance"
        load._prepare(url, instance)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "BENCH_INSTANCE": str(instance),
               "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), "MAIL_SERVER": ""}
        stack = start_stack(Path(folder), env, "bench.signing:bench_app()", instances=2, workers=0)
        try:
            send = _sender(stack.https_port)
            ports = [stack.https_port]
            run_id = f"{int(time.time())}"
            bare = asyncio.run(load._bare(ports, min(8.0, seconds / 2), concurrency, send, BARE))
            result = asyncio.run(load._mixed(ports, seconds, concurrency, run_id, send))
        finally:
            stack.stop()
        stored = load._counts(run_id)
    latencies, errors, accepted = result["latencies"], result["errors"], result["accepted"]
    total = sum(len(v) for v in latencies.values())  # type: ignore[attr-defined]
    rate = total / result["elapsed"]  # type: ignore[operator]
    print(f"\nnginx HTTPS -> 2 gunicorn x 2 workers, PostgreSQL: {total} requests in {result['elapsed']:.1f} s = "
          f"{rate:.0f} req/s; bare /bench/bare through the same proxy {bare:.0f} req/s; ratio {rate / bare:.2f}",
          file=sys.stderr)
    print(f"{'route':<18} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}", file=sys.stderr)
    for route in load.MIX:
        values = latencies.get(route, [])  # type: ignore[attr-defined]
        print(f"{route:<18} {len(values):>9} {_pct(values, 0.5):>8.1f} {_pct(values, 0.99):>8.1f} "
              f"{errors.get(route, 0):>7}", file=sys.stderr)  # type: ignore[attr-defined]
    lost = {k: accepted.get(k, 0) - v for k, v in stored.items()}  # type: ignore[attr-defined]
    print(f"accepted writes {dict(accepted)}; stored {stored}; missing {lost}", file=sys.stderr)  # type: ignore[call-overload]
    return [
        Figure("through nginx HTTPS: req/s vs bare", rate, bare, "req/s", 0.2),
        Figure("through nginx HTTPS: errors (target 0)", sum(errors.values()), 1, "count", 0.0,  # type: ignore[attr-defined]
               higher_is_better=False),
        Figure("through nginx HTTPS: writes stored != accepted", sum(abs(n) for n in lost.values()), 1, "count", 0.0,
               higher_is_better=False),
    ]
