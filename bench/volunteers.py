"""Volunteers: the organisers' filtered review list and the demo's bulk seeding.

`python -m bench.volunteers [--full]`. Short run: 2,000 volunteers; full: 50,000. Figures are ratios
against baselines measured in the same run: the review page with many volunteers against the same
page with 100 (500 times the people should cost at most 4 times the time), and bulk seeding against inserting
the same rows one ORM object at a time.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask

from bench.common import Figure, table


def _app(folder: Path) -> Flask:
    from campaign import create_app

    return create_app({"INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "bench-" + "x" * 32,
                       "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "RATELIMIT_ENABLED": False,
                       "TESTING": True})


def _rate(call, seconds: float = 2.0) -> float:  # type: ignore[no-untyped-def]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        done += 1
    return done / (time.perf_counter() - start)


URLS = ["/staff/volunteers", "/staff/volunteers?skill=translation&language=en&status=active",
        "/staff/volunteers?q=%E5%B0%8F&region=%E4%B8%8A"]


def _review_rate(app: Flask) -> float:
    from campaign.auth import services as auth
    from campaign.auth.models import Role

    user = auth.find_user("bench@example.org") or auth.create_user(
        "bench@example.org", [Role.ORGANISER], password="bench-password-1")
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
    for url in URLS:
        assert client.get(url).status_code == 200
    return _rate(lambda: [client.get(url) for url in URLS]) * len(URLS)


def _review_figure(size: int) -> Figure:
    """Pages a second over three filtered lists, with `size` volunteers against 100."""
    from flask_migrate import upgrade

    from campaign.volunteers.demo import seed_volunteers

    rates = []
    for count in (100, size):
        with tempfile.TemporaryDirectory() as tmp:
            app = _app(Path(tmp))
            with app.app_context():
                upgrade()
                seed_volunteers(random.Random(1), count=count)
                rates.append(_review_rate(app))
    return Figure(f"volunteers: review list, {size:,} vs 100 people", rates[1], rates[0], "pages/s", 0.25)


def run(full: bool = False) -> list[Figure]:
    from flask_migrate import upgrade

    from campaign.extensions import db
    from campaign.volunteers.demo import seed_volunteers
    from campaign.volunteers.models import StatusChange, Volunteer

    size = 50_000 if full else 2_000
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            seed_volunteers(random.Random(1), count=size)
            bulk = size / (time.perf_counter() - start)
            sample = min(size, 1_000)
            start = time.perf_counter()
            for n in range(sample):  # what a naive seeder does: one person and their history at a time
                person = Volunteer(email=f"slow{n}@bench.invalid", nickname=f"slow{n}", skills="design")
                db.session.add(person)
                db.session.flush()
                db.session.add(StatusChange(volunteer_id=person.id, to_status="new"))
                db.session.flush()
            db.session.commit()
            one_by_one = sample / (time.perf_counter() - start)
    figures.append(Figure("volunteers: demo seeding (bulk insert)", bulk, one_by_one, "people/s", 3.0))
    figures.append(_review_figure(size))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="50,000 volunteers instead of 2,000")
    figures = run(parser.parse_args().full)
    print(table(figures))
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
