"""What the HTTP benchmarks share: the bare ceiling, gunicorn, a warm-up, server CPU, wrk.

The ceiling is `/bench/bare`: a one-route Flask app mounted beside the campaign app in the same
WSGI callable, so the same gunicorn (same workers, same sockets) serves it; no database, no
session, no template, no hooks. (`/healthz` used to be the ceiling, but it takes a pooled
connection and runs `SELECT 1`, which flattered every ratio.) It answers with the worker's pid,
which lets the warm-up wait until every worker has answered before anything is measured.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

ROOT = Path(__file__).resolve().parent.parent
MOUNT = "/bench/bare"
BARE = MOUNT + "/"  # the mounted app's one route
WORKERS = 2


def with_bare_route(app: Flask) -> Flask:
    """Mount the bare ceiling at /bench/bare beside `app` (bench only; never in the shipped app)."""
    bare = Flask("bench_bare")

    @bare.get("/")
    def index() -> str:
        return str(os.getpid())

    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {MOUNT: bare.wsgi_app})  # type: ignore[method-assign]
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def server_cpu(master: int) -> float:
    """CPU seconds used so far by gunicorn's master and workers (not the client, not neighbours)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [master, *children(master)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / tick


async def request(port: int, raw: bytes) -> tuple[int, bytes]:
    """One HTTP/1.0 exchange on its own connection, as gunicorn's sync workers want."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    data = await reader.read()
    writer.close()
    status = int(data[9:12]) if data.startswith(b"HTTP/") else 0
    return status, data


def get(path: str, cookie: str = "") -> bytes:
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    return f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


@dataclass
class Server:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def master(self) -> int:
        return self.proc.pid

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


async def _warm(server: Server, paths: list[str], seconds: float) -> None:
    # 1. Every worker has answered the bare route (imports done, app built in each).
    workers = set(children(server.master))
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while not workers <= seen:
        if time.monotonic() > deadline:
            raise SystemExit(f"workers {workers - seen} never answered")
        answers = await asyncio.gather(*(request(server.port, get(BARE)) for _ in range(8)))
        for status, data in answers:
            if status == 200:
                seen.add(int(data.rsplit(b"\r\n\r\n", 1)[1]))
        workers = set(children(server.master)) or workers
    # 2. Each measured path, for a while, at some concurrency: templates compiled, pools filled.
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await asyncio.gather(*(request(server.port, get(path)) for path in paths for _ in range(4)))


@contextmanager
def gunicorn(
    env: dict[str, str],
    folder: Path,
    warm_paths: tuple[str, ...] | list[str] = (BARE,),
    warm_seconds: float = 2.0,
    app: str = "bench.signing:bench_app()",
) -> Iterator[Server]:
    """gunicorn -w 2 serving `app` on a free loopback port, warmed up before it is handed over."""
    port = free_port()
    log = folder / f"gunicorn-{port}.log"
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(WORKERS),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                app,
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = Server(port, proc, log)
    try:
        wait_listening(port, proc)
        asyncio.run(_warm(server, warm_paths, warm_seconds))
        yield server
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


@dataclass(frozen=True)
class Phase:
    """One measured phase: requests done, wall seconds, server CPU seconds, failures."""

    requests: int
    seconds: float
    cpu: float
    failed: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.requests * 1000 if self.requests else 0.0


def wrk(
    server: Server, path: str, seconds: float, connections: int = 16, headers: dict[str, str] | None = None
) -> Phase:
    """Debian's wrk (C, one thread) against `path`; server CPU read from /proc around it."""
    args = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    before = server_cpu(server.master)
    done = subprocess.run([*args, server.url(path)], check=True, capture_output=True, text=True).stdout
    cpu = server_cpu(server.master) - before
    found = re.search(r"(\d+) requests in ([\d.]+)(m?s)", done)
    if not found:
        raise SystemExit(f"could not read wrk's output:\n{done}")
    took = float(found.group(2)) / (1000 if found.group(3) == "ms" else 1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", done)
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        # gunicorn's sync workers close each connection; wrk counts those closes as read errors.
        failed += int(socket_errors.group(1)) + int(socket_errors.group(4))
    return Phase(int(found.group(1)), took, cpu, failed)
