"""Confirmation throughput: one worker's MAIL lane draining 3,300 queued confirmations.

    .venv/bin/python -m bench.confirmations           # 3,300 pending signatures, SQLite
    .venv/bin/python -m bench.confirmations --full    # 10,000
    BENCH_DATABASE_URL=postgresql://... .venv/bin/python -m bench.confirmations   # also PostgreSQL

A petition takes off: thousands of signatures are waiting for their confirmation mail. One worker
runs only its MAIL lane (compose in batches, queue in one statement, send over one reused
connection) against an aiosmtpd sink in its own process that notes each arrival. Prints the drain
rate and the p99 wait from the start. Targets (issue 16): at least 500 mails a second, and p99
under 10 s for 3,300.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import Figure, table
from bench.latency import _arrivals
from bench.signing import ROOT, SECRET, _free_port

TARGET_RATE = 500.0
TARGET_P99 = 10.0


def bench_database(label: str, url: str, count: int) -> list[Figure]:
    from flask_migrate import upgrade
    from sqlalchemy import delete, insert

    from campaign import create_app, worker
    from campaign.extensions import db
    from campaign.features import Lane
    from campaign.mail.models import QueuedMail
    from campaign.petitions.models import Petition, Signature
    from campaign.timeutil import utcnow

    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        port = _free_port()
        log = instance / "arrivals.tsv"
        sink = subprocess.Popen([sys.executable, "-m", "bench.latency", "--sink", str(port), str(log)], cwd=ROOT)
        try:
            app = create_app({
                "INSTANCE_PATH": str(instance / "instance"), "SECRET_KEY": SECRET, "DATABASE_URL": url,
                "BASE_URL": "https://campaign.example.org", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                "MAIL_SUPPRESS_SEND": False, "MAIL_DEFAULT_SENDER": "campaign@example.org",
            })
            with app.app_context():
                upgrade()
                db.session.execute(delete(QueuedMail))
                db.session.execute(delete(Petition).where(Petition.slug == "bench-throughput"))
                petition = Petition(slug="bench-throughput", status="open", goal=100,
                                    title={"zh_Hans": "压测请愿", "en": "Bench petition"},
                                    body={"zh_Hans": "正文"}, body_html={"zh_Hans": "<p>正文</p>"})
                db.session.add(petition)
                db.session.flush()
                now = utcnow()
                db.session.execute(insert(Signature), [
                    {"petition_id": petition.id, "email": f"lat-{i}@example.org", "name": f"签名者{i}",
                     "locale": "en" if i % 3 == 0 else "zh_Hans", "status": "pending", "created_at": now,
                     "mail_due": True}
                    for i in range(count)
                ])
                db.session.commit()
            time.sleep(1.0)  # the sink is up
            stop = threading.Event()
            began = time.time()
            threads = worker.start_lanes(app, stop, {Lane.MAIL})
            for _round in range(6000):
                if len(_arrivals(log)[0]) >= count:
                    break
                time.sleep(0.05)
            stop.set()
            for thread in threads:
                thread.join(10)
            with app.app_context():
                db.engine.dispose()
        finally:
            sink.kill()
            sink.wait()
        arrived = sorted(when - began for when in _arrivals(log)[0].values())
    finished = arrived[-1] if arrived else float("inf")
    rate = len(arrived) / finished if arrived else 0.0
    p99 = arrived[min(len(arrived) - 1, int(0.99 * len(arrived)))] if arrived else float("inf")
    print(f"\n{label}: {len(arrived)} of {count} confirmations in {finished:.1f} s = {rate:.0f}/s, "
          f"p50 {arrived[len(arrived) // 2] if arrived else 0:.1f} s, p99 {p99:.1f} s (one worker, MAIL lane)",
          file=sys.stderr)
    return [
        Figure(f"confirmations drained {label}, one worker", rate, TARGET_RATE, "mail/s", 1.0),
        Figure(f"{count} queued confirmations {label}: p99 wait", p99, TARGET_P99, "s", 1.0, higher_is_better=False),
    ]


def run(full: bool = False) -> list[Figure]:
    count = 10_000 if full else 3_300
    figures = bench_database("SQLite", f"sqlite:///{tempfile.gettempdir()}/bench-confirm-{os.getpid()}.sqlite3", count)
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        figures += bench_database("PostgreSQL", url, count)
    return figures


if __name__ == "__main__":
    print(table(run(full="--full" in sys.argv)))
