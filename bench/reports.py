"""Report frames and exports on a generated database, against a plain-pandas baseline.

    python -m bench.reports [--full]

Default: 200,000 signatures, 60,000 subscribers, 4,000 volunteers. --full: 1,000,000 / 300,000 /
20,000 as the issue asks. Each measurement runs in its own process, so peak memory is its own:
"peak MB" is the growth of the process's maximum resident size over its size after imports.
Baseline: the same figures as plain SQL GROUP BY queries (BASELINE_SQL), without pandas. Frames and
baseline alternate (A, B, A, B) over several rounds in fresh processes; min, median and max shown.
Both count days in the default ORG_TIMEZONE (Asia/Shanghai, UTC+8), as a deployment does: a
signature made at 23:00 UTC counts on the next day there.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import Figure, alternate, show_spread, spread

ROUNDS = 3
OFFSET_MINUTES = 480  # Asia/Shanghai, the default ORG_TIMEZONE (BASELINE_SQL writes it as '+480 minutes')
SIZES = {False: (200_000, 60_000, 4_000), True: (1_000_000, 300_000, 20_000)}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(path: Path, signatures: int, subscribers: int, volunteers: int) -> None:
    """A migrated SQLite database filled with synthetic campaign data (no real person in it)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    from campaign import create_app
    from campaign.extensions import db
    from campaign.reports import tables as t

    app = create_app({"SECRET_KEY": "bench-" + "x" * 20, "INSTANCE_PATH": str(path.parent)})
    rng = random.Random(7)
    start = datetime(2026, 1, 1)
    regions = ["北京", "上海", "广东", "四川", "香港", "台湾", "海外", ""]
    channels = ["", "weibo", "wechat", "telegram", "x", "whatsapp", "email", "poster"]
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        conn = db.session.connection()
        conn.execute(t.petitions.insert(),
                     [{"slug": "bench", "status": "open", "goal": 1_000_000, "title": {"zh_Hans": "测试"}}])
        batch = []
        for i in range(signatures):
            created = start + timedelta(minutes=rng.randrange(60 * 24 * 300))
            confirmed = rng.random() < 0.85
            batch.append(
                {
                    "petition_id": 1,
                    "email": f"s{i}@example.org",
                    "name": f"签名者{i}",
                    "region": rng.choice(regions),
                    "comment": "支持" if rng.random() < 0.1 else "",
                    "display": "initials",
                    "status": "confirmed" if confirmed else "pending",
                    "src": rng.choice(channels),
                    "created_at": created,
                    "confirmed_at": created + timedelta(minutes=30) if confirmed else None,
                }
            )
            if len(batch) == 50_000:
                conn.execute(t.signatures.insert(), batch)
                batch.clear()
        if batch:
            conn.execute(t.signatures.insert(), batch)
        conn.execute(
            t.subscribers.insert(),
            [
                {
                    "email": f"n{i}@example.org",
                    "name": "",
                    "locale": rng.choice(["zh_Hans", "zh_Hant", "en"]),
                    "status": rng.choice(["confirmed"] * 8 + ["unsubscribed", "bounced"]),
                    "created_at": start + timedelta(minutes=rng.randrange(60 * 24 * 300)),
                }
                for i in range(subscribers)
            ],
        )
        conn.execute(
            t.volunteers.insert(),
            [
                {
                    "email": f"v{i}@example.org",
                    "nickname": f"v{i}",
                    "status": rng.choice(["new", "contacted", "vetted", "invited", "active"]),
                    "skills": ",".join(rng.sample(["law", "design", "translation", "research", "tech"], 2)),
                    "languages": rng.choice(["zh", "zh,en", "en"]),
                    "region": rng.choice(regions),
                    "created_at": start + timedelta(days=rng.randrange(300)),
                    "confirmed_at": start + timedelta(days=rng.randrange(300)),
                }
                for i in range(volunteers)
            ],
        )
        db.session.commit()


def _ours(path: Path) -> dict[str, float]:
    import sqlalchemy as sa

    from campaign.reports import frames as fr

    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        # Once untimed (its peak memory kept): a server has its statements compiled, pandas warm.
        base = _rss_mb()
        wanted = fr.ReportFilter(utc_offset_minutes=OFFSET_MINUTES)
        fr.all_frames(conn, wanted, with_intake=False)
        peak = _rss_mb() - base
        began = time.process_time()  # SQLite works inside this process: its CPU is the whole cost
        sections = fr.all_frames(conn, wanted, with_intake=False)
        seconds = time.process_time() - began
    assert sections["petitions"]["signatures_per_day"]["signatures"].sum() > 0
    return {"seconds": seconds, "peak_mb": max(peak, _rss_mb() - base)}


# The plain alternative to the app's frames: the same figures as hand-written SQL GROUP BY
# queries, rows into Python lists, no pandas. (The earlier baseline loaded every column into
# pandas, which flattered the app: the issue measured the app at 1.4 times this one.)
BASELINE_SQL = {
    "signatures_per_day": "SELECT date(confirmed_at, '+480 minutes') AS day, count(*) "
    "FROM petition_signatures "
    "WHERE status = 'confirmed' GROUP BY day ORDER BY day",
    "signature_status": "SELECT status, count(*) FROM petition_signatures GROUP BY status",
    "by_region": "SELECT coalesce(nullif(region, ''), '—') AS k, count(*) AS n FROM petition_signatures "
    "WHERE status = 'confirmed' GROUP BY k ORDER BY n DESC, k",
    "by_channel": "SELECT coalesce(nullif(src, ''), '—') AS k, count(*) AS n FROM petition_signatures "
    "WHERE status = 'confirmed' GROUP BY k ORDER BY n DESC, k",
    "comments": "SELECT count(*) FROM petition_signatures WHERE status = 'confirmed' AND comment != ''",
    "goal": "SELECT coalesce(sum(goal), 0) FROM petitions WHERE status != 'draft'",
    "joined": "SELECT date(created_at, '+480 minutes') AS day, count(*) FROM subscribers "
    "GROUP BY day ORDER BY day",
    "left": "SELECT date(unsubscribed_at, '+480 minutes') AS day, count(*) FROM subscribers "
    "WHERE unsubscribed_at IS NOT NULL "
    "GROUP BY day ORDER BY day",
    "subscriber_status": "SELECT status, count(*) FROM subscribers GROUP BY status ORDER BY status",
    "volunteer_status": "SELECT status, count(*) FROM volunteers WHERE confirmed_at IS NOT NULL "
    "AND erased_at IS NULL GROUP BY status",
    "volunteer_lists": "SELECT skills, languages, count(*) FROM volunteers WHERE confirmed_at IS NOT NULL "
    "AND erased_at IS NULL GROUP BY skills, languages",
}


def _baseline(path: Path) -> dict[str, float]:
    from collections import Counter
    from itertools import accumulate

    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        base = _rss_mb()
        for sql in BASELINE_SQL.values():  # once untimed, as for the frames
            conn.execute(sa.text(sql)).all()
        began = time.process_time()
        got = {name: conn.execute(sa.text(sql)).all() for name, sql in BASELINE_SQL.items()}
        cumulative = list(accumulate(n for _day, n in got["signatures_per_day"]))
        skills: Counter[str] = Counter()
        languages: Counter[str] = Counter()
        for skill_list, language_list, n in got["volunteer_lists"]:
            for key in filter(None, (k.strip() for k in (skill_list or "").split(","))):
                skills[key] += n
            for key in filter(None, (k.strip() for k in (language_list or "").split(","))):
                languages[key] += n
        seconds = time.process_time() - began
    assert cumulative and got["by_region"] and got["by_channel"] and got["joined"] and skills and languages
    return {"seconds": seconds, "peak_mb": _rss_mb() - base}


def _export(path: Path, fmt: str) -> dict[str, float]:
    import sqlalchemy as sa

    from campaign.exports import csv_stream
    from campaign.reports import raw
    from campaign.reports.exports import write_xlsx
    from campaign.reports.frames import ReportFilter

    engine = sa.create_engine(f"sqlite:///{path}")
    out = path.parent / f"signatures.{fmt}"
    with engine.connect() as conn:
        base = _rss_mb()
        began = time.perf_counter()
        header, rows = raw.signatures(conn, ReportFilter())
        counted = 0

        def counting():
            nonlocal counted
            for row in rows:
                counted += 1
                yield row

        if fmt == "csv":
            with out.open("w", encoding="utf-8") as handle:
                for chunk in csv_stream(header, counting()):
                    handle.write(chunk)
        else:
            write_xlsx(str(out), [("signatures", header, counting())])
        seconds = time.perf_counter() - began
    return {"seconds": seconds, "peak_mb": _rss_mb() - base, "rows": counted}


def _measure(what: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.reports", "--measure", what, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(full: bool = False) -> list[Figure]:
    signatures, subscribers, volunteers = SIZES[full]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        print(
            f"generating {signatures:,} signatures, {subscribers:,} subscribers, {volunteers:,} volunteers",
            file=sys.stderr,
            flush=True,
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.reports",
                "--generate",
                str(path),
                str(signatures),
                str(subscribers),
                str(volunteers),
            ],
            check=True,
        )
        _measure("ours", path), _measure("baseline", path)  # warm-up: the file into the page cache
        runs_ours, runs_base = alternate(
            ROUNDS, lambda: _measure("ours", path)["seconds"], lambda: _measure("baseline", path)["seconds"]
        )
        ours, baseline = _measure("ours", path), _measure("baseline", path)  # peak memory
        csv, xlsx = _measure("csv", path), _measure("xlsx", path)
    ratios = [o / b for o, b in zip(runs_ours, runs_base, strict=True)]
    print(show_spread("report frames (CPU s)", runs_ours, "s"), file=sys.stderr)
    print(show_spread("baseline: plain SQL GROUP BY (CPU s)", runs_base, "s"), file=sys.stderr)
    print(show_spread("frames / baseline, per round", ratios, ""), file=sys.stderr)
    print(f"peak memory: frames {ours['peak_mb']:.0f} MB, baseline {baseline['peak_mb']:.0f} MB", file=sys.stderr)
    print(
        f"export {csv['rows']:,} signatures: CSV {csv['rows'] / csv['seconds']:,.0f} rows/s, {csv['peak_mb']:.0f} MB; "
        f"XLSX {xlsx['rows'] / xlsx['seconds']:,.0f} rows/s, {xlsx['peak_mb']:.0f} MB",
        file=sys.stderr,
    )
    return [
        Figure(
            f"report frames {signatures:,} sigs: CPU s vs SQL GROUP BY",
            spread(runs_ours)[1],
            spread(runs_base)[1],
            "s",
            1.0,
            higher_is_better=False,
        ),
        Figure("report frames: peak MB (vs 200 MB ceiling)", ours["peak_mb"], 200, "MB", 1.0, higher_is_better=False),
        Figure(
            f"CSV export {csv['rows']:,} rows: peak MB (vs 400)", csv["peak_mb"], 400, "MB", 1.0, higher_is_better=False
        ),
        Figure(
            f"XLSX export {xlsx['rows']:,} rows: peak MB (vs 400)",
            xlsx["peak_mb"],
            400,
            "MB",
            1.0,
            higher_is_better=False,
        ),
        Figure(
            "XLSX export: rows/s vs CSV rows/s",
            xlsx["rows"] / xlsx["seconds"],
            csv["rows"] / csv["seconds"],
            "rows/s",
            0.1,
        ),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--generate"]:
        generate(Path(sys.argv[2]), *(int(n) for n in sys.argv[3:6]))
    elif sys.argv[1:2] == ["--measure"]:
        what, path = sys.argv[2], Path(sys.argv[3])
        result = {"ours": _ours, "baseline": _baseline}.get(what)
        print(json.dumps(result(path) if result else _export(path, what)))
    else:
        from bench.common import table

        print(table(run(full="--full" in sys.argv)))
