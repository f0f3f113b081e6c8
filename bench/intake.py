"""What the slow hashes of the intake feature cost, against a plain page of the same app.

    .venv/bin/python -m bench.intake          # short run (about 20 s)
    .venv/bin/python -m bench.intake --full   # more requests and a 2,000-request rotation

In-process (Flask test client, SQLite in a temporary folder, rate limits off). Baseline: GET /help
(form rendering, one SELECT for the key). Measured: sending the questionnaire (sealing plus one
Argon2id derivation for the receipt code), opening the status page with a code (one Argon2id per
candidate row), unlocking the key (Argon2id, moderate limits) and rotating the key, per request
re-encrypted. The slow steps are slow on purpose; the figures size the rate limits and workers.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Figure, table

PASSPHRASE = "bench passphrase, long enough"


def _rate(func: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        func()
    return count / (time.perf_counter() - start)


def run(full: bool = False) -> list[Figure]:
    from flask_migrate import upgrade

    from campaign import create_app
    from campaign.intake import services as intake
    from campaign.timeutil import utcnow

    count = 200 if full else 40
    rotate_rows = 2000 if full else 200
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({
            "INSTANCE_PATH": str(Path(folder) / "instance"), "SECRET_KEY": "bench-secret-" + "x" * 32,
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        })
        with app.app_context():
            upgrade()
            intake.create_key(PASSPHRASE)
            client = app.test_client()
            data = {"kinds": ["deepfake"], "platforms": ["telegram"], "where": "t.me/x", "contact_method": "none"}
            codes: list[str] = []

            def submit() -> None:
                answer = client.post("/help", data=data).text
                found = re.search(r'id="receipt-code"><code>([0-9A-Z-]+)</code>', answer)
                assert found is not None
                codes.append(found.group(1))

            baseline = _rate(lambda: client.get("/help"), count)
            submit_rate = _rate(submit, count)
            status_rate = _rate(lambda: client.post("/help/status", data={"code": codes[len(codes) // 2]}), count)
            unlock_rate = _rate(lambda: intake.unlock(PASSPHRASE), 3)
            ring = intake.keyring()
            for _ in range(rotate_rows - len(codes)):
                intake.submit(ring, intake.Answers(kinds=["other"], where="t.me/y"), utcnow().date())
            start = time.perf_counter()
            intake.rotate(PASSPHRASE, PASSPHRASE + "!")
            rotate_rate = rotate_rows / (time.perf_counter() - start)
    return [
        Figure("intake: send the questionnaire", submit_rate, baseline, "req/s", 0.01),
        Figure("intake: status page with a code", status_rate, baseline, "req/s", 0.01),
        Figure("intake: unlock the key", unlock_rate, baseline, "per s", 0.001),
        Figure(f"intake: rotate ({rotate_rows} requests)", rotate_rate, baseline, "rows/s", 0.5),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__)
    parser.add_argument("--full", action="store_true")
    print(table(run(full=parser.parse_args().full)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
