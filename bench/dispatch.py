"""Newsletter dispatch speed: the real engine against raw smtplib, in the same run.

    .venv/bin/python -m bench.dispatch            # 20,000 recipients
    .venv/bin/python -m bench.dispatch --full     # 100,000 recipients
    .venv/bin/python -m bench.dispatch --database-url postgresql://postgres@127.0.0.1/bench

An aiosmtpd sink in its own process only counts; it offers PIPELINING, as Postfix, Exim and the
large providers do. The baseline sends the same number of messages, built beforehand, over the
same number of connections (one) with plain smtplib, whose sendmail waits for each answer in turn;
the engine pipelines the envelope (campaign/mail/transport.py). The engine does
everything a real send does: claims batches from the outbox, fills the per-recipient parts of the
issue (name, unsubscribe token and headers, Message-ID), sends, and records each result.

The figure is the sender's CPU per message (this process's CPU time: the sender is this
process, the sink another), not wall-clock rate: the sink spends about three times the sender's
CPU per message, so on two shared cores a wall-clock ratio measures the sink. Wall-clock rates
are printed beside it. Measured with DKIM off and on (a 2048-bit RSA key made for the run; the
DKIM run is smaller), each against unsigned smtplib; with DKIM on, also against smtplib signing
each message with the same OpenSSL signer as it sends, and the RSA signature's own cost is printed:
a 2048-bit RSA signature (0.2-0.5 ms here) costs more than smtplib's whole send of a message
(about 0.2 ms), so against unsigned smtplib no engine can reach 0.6 on this machine.
Targets: at least 0.7 of smtplib's messages per CPU-second without DKIM, 0.6 with it.
"""

from __future__ import annotations

import argparse
import asyncio
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.common import Figure

TARGET = 0.70
TARGET_DKIM = 0.60


def _sink(port: int) -> None:
    """Run a counting SMTP sink until killed (the benchmark starts this in a child process)."""
    from aiosmtpd.controller import Controller

    from tests.smtp_support import Pipelining

    class Count(Pipelining):
        n = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Count.n += 1
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    asyncio.run(asyncio.sleep(10**9))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="100,000 recipients instead of 20,000")
    parser.add_argument("-n", type=int, default=None, help="number of recipients")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--sink-port", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink_port:
        _sink(args.sink_port)
        return
    count = args.n or (100_000 if args.full else 20_000)

    _with_sink(count, args.database_url)
    _with_sink(max(1, count // 10), args.database_url, dkim=True)


def run(full: bool) -> list[Figure]:
    """Entry point for `python -m bench`: the default (or --full) size on SQLite, DKIM off and on."""
    plain = _with_sink(100_000 if full else 20_000, None)
    signed = _with_sink(10_000 if full else 2_000, None, dkim=True)
    return [
        Figure("newsletter dispatch: sender msg per CPU-s", plain[0], plain[1], "msg/cpu-s", TARGET),
        Figure("dispatch, DKIM on: sender msg per CPU-s", signed[0], signed[1], "msg/cpu-s", TARGET_DKIM),
        Figure("dispatch, DKIM on vs smtplib + same DKIM", signed[0], signed[2], "msg/cpu-s", TARGET_DKIM),
    ]


def _with_sink(count: int, database_url: str | None, dkim: bool = False) -> tuple[float, float, float]:
    """(engine, smtplib, smtplib signing each message) messages per CPU-second of the sender."""
    port = _free_port()
    sink = subprocess.Popen([sys.executable, "-m", "bench.dispatch", "--sink-port", str(port)])
    try:
        _wait_for(port)
        return _run(count, port, database_url, dkim)
    finally:
        sink.kill()
        sink.wait()


def _dkim_key(folder: Path) -> Path:
    """A throwaway 2048-bit RSA key (PKCS#1 PEM, as dkimpy reads) made with the openssl command."""
    path = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(path), "2048"], check=True, capture_output=True)
    return path


def _wait_for(port: int) -> None:
    for _ in range(200):
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the SMTP sink did not start")


def _raw_send(port: int, messages: list[tuple[str, bytes]], sign: Any = None) -> tuple[float, float]:
    """The baseline: pre-built messages over one plain smtplib connection. (wall s, CPU s)

    With `sign` (a DkimSigner's sign), each message is signed as it is sent: what any sender that
    signs with DKIM pays at least, whatever builds its messages."""
    started, cpu = time.perf_counter(), time.process_time()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for address, message in messages:
        smtp.sendmail("news@campaign.example.org", [address], sign(message) + message if sign else message)
    smtp.quit()
    return time.perf_counter() - started, time.process_time() - cpu


def _run(count: int, port: int, database_url: str | None, dkim: bool = False) -> tuple[float, float, float]:
    from flask_migrate import upgrade

    from campaign import create_app
    from campaign.auth.models import Role, User
    from campaign.auth.services import create_user
    from campaign.content import demo_texts
    from campaign.extensions import db
    from campaign.i18n import languages
    from campaign.newsletter import compose, dispatch, services
    from campaign.newsletter.models import Issue, OutboxRow, Subscriber
    from campaign.timeutil import utcnow

    workdir = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    signing = (
        {
            "DKIM_PRIVATE_KEY_PATH": str(_dkim_key(workdir)),
            "DKIM_SELECTOR": "bench",
            "DKIM_DOMAIN": "campaign.example.org",
        }
        if dkim
        else {}
    )
    app = create_app(
        {
            **signing,
            "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "bench-" + "x" * 32,
            "DATABASE_URL": url,
            "BASE_URL": "https://campaign.example.org",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_SUPPRESS_SEND": False,
            "MAIL_DEFAULT_SENDER": "news@campaign.example.org",
            "NEWSLETTER_RATE": 1e9,
            "NEWSLETTER_MAX_CONNECTIONS": 1,
            "NEWSLETTER_BATCH": 200,
            "LANGUAGES": ["zh_Hans", "zh_Hant", "en"],  # one prepared message per language
        }
    )
    with app.app_context():
        if database_url:
            db.drop_all()
            db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade()
        organiser: User = create_user("bench@example.org", [Role.ORGANISER], password="bench password 123")
        now = utcnow()
        rows = [
            {
                "email": f"reader{i}@example.net",
                "name": f"读者{i}" if i % 2 else f"Reader {i}",
                "locale": ("en", "zh_Hans", "zh_Hant")[i % 3],
                "topics": "",
                "status": "confirmed",
                "source": "bench",
                "created_at": now,
                "confirmed_at": now,
                "bounce_reason": "",
            }
            for i in range(count)
        ]
        for start in range(0, count, 10_000):
            db.session.execute(insert(Subscriber), rows[start : start + 10_000])
        db.session.commit()
        body = (
            "{{name|朋友}}，你好！\n\n"
            + "我们继续追踪 Telegram 频道的下架情况，并向平台提交了新的举报。" * 12
            + "\n\n- 第一条进展\n- 第二条进展\n\n[阅读全文](https://campaign.example.org/news)\n"
        )
        issue = services.create_issue(
            services.IssueData(
                subject=demo_texts("通讯第十二期：平台问责的新进展", "Issue 12: news on platform accountability"),
                body=demo_texts(body, "Hello {{name|friend}},\n\n" + "We keep tracking takedowns. " * 40),
            ),
            organiser,
        )

        started = time.perf_counter()
        services.start_send(issue.id, organiser)
        freeze = time.perf_counter() - started

        # Baseline material: the same messages, built before the clock starts.
        prepared = {loc: compose.prepare(issue, loc) for loc in languages().codes}
        outbox = db.session.execute(
            select(OutboxRow.id, OutboxRow.subscriber_id, OutboxRow.email, OutboxRow.name, OutboxRow.locale)
        ).all()
        messages = [
            (
                row.email,
                prepared[row.locale].message(row.id, row.email, row.name, compose.manage_token(row.subscriber_id)),
            )
            for row in outbox
        ]
        size = sum(len(m) for _a, m in messages) / len(messages)
        db.session.commit()

        # Half the baseline before the engine and half after, so a busy machine (2 shared cores)
        # weighs on both sides alike.
        half = len(messages) // 2
        baseline_seconds, baseline_cpu = _raw_send(port, messages[:half])
        started, cpu = time.perf_counter(), time.process_time()
        while True:
            dispatch.run(budget=3600)
            db.session.expire_all()
            if db.session.get(Issue, issue.id).status != "sending":
                break
        engine_seconds, engine_cpu = time.perf_counter() - started, time.process_time() - cpu
        state = dispatch.counts(issue.id)
        db.session.commit()
    more_seconds, more_cpu = _raw_send(port, messages[half:])
    baseline_seconds += more_seconds
    baseline_cpu += more_cpu
    signer = prepared[languages().default.code]._signer
    signing_cpu = 0.0
    if signer is not None:
        # The same messages (already signed once, which changes nothing in the cost) signed again
        # by the same OpenSSL signer as they go: the least any DKIM-signing sender pays.
        for part in (messages[:half], messages[half:]):
            signing_cpu += _raw_send(port, part, signer.sign)[1]
        rsa_ms = _rsa_ms(signer)

    engine_rate = count / engine_seconds
    baseline_rate = count / baseline_seconds
    ratio = engine_rate / baseline_rate
    cpu_ratio = baseline_cpu / engine_cpu if engine_cpu else 0.0
    target = TARGET_DKIM if dkim else TARGET
    print(f"\n[dispatch, DKIM {'on' if dkim else 'off'}]")
    print(f"recipients           {count:,} ({'SQLite' if not database_url else 'PostgreSQL'}, one SMTP connection)")
    print(f"message size         {size / 1024:.1f} KiB average (zh_Hans, zh_Hant and en, multipart, base64)")
    print(f"freeze audience      {freeze:.2f} s")
    print(f"outbox after send    {state}")
    print(f"baseline (smtplib)   {baseline_rate:8.0f} msg/s  ({baseline_seconds:.1f} s, messages pre-built)")
    print(f"dispatch engine      {engine_rate:8.0f} msg/s  ({engine_seconds:.1f} s, claim + build + send + record)")
    print(f"wall-clock ratio     {ratio:8.0%}  (the sink weighs on this one)")
    print(
        f"sender CPU/message   engine {engine_cpu / count * 1000:.3f} ms, smtplib {baseline_cpu / count * 1000:.3f} ms"
        f" -> ratio {cpu_ratio:.2f} (target >= {target:.2f}: {'met' if cpu_ratio >= target else 'NOT met'})"
    )
    if signer is not None:
        print(
            f"smtplib + DKIM       {signing_cpu / count * 1000:.3f} ms CPU/message, signing each message with the same"
            f" signer; of it, the RSA-2048 signature alone {rsa_ms:.3f} ms -> engine ratio"
            f" {signing_cpu / engine_cpu:.2f}"
        )
        print(
            f"ceiling              an engine that cost nothing would reach {baseline_cpu / count * 1000 / rsa_ms:.2f}"
            " of unsigned smtplib: the RSA signature alone outweighs smtplib's whole send"
        )
    return count / engine_cpu, count / baseline_cpu, (count / signing_cpu if signing_cpu else 0.0)


def _rsa_ms(signer: Any) -> float:
    """CPU ms of one RSA-2048 PKCS#1 v1.5 signature with the signer's key (OpenSSL)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    data = b"x" * 400
    signer._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    cpu = time.process_time()
    for _ in range(200):
        signer._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return (time.process_time() - cpu) / 200 * 1000


if __name__ == "__main__":
    main()
