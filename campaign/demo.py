"""`flask demo seed`: a realistic demo of the Maskpark campaign, in Chinese with English versions.

The staff accounts come first, then each feature's seeder from its manifest, in the app's feature
order; a seeder does nothing when its part is already there, so running the command twice changes
nothing.
"""
from __future__ import annotations

import os
import random
from collections.abc import Callable

import click
from flask.cli import AppGroup

from campaign.auth import services as auth
from campaign.auth.models import Role
from campaign.features import registry
from campaign.intake.demo import DEMO_PASSPHRASE

demo_cli = AppGroup("demo", help="Demo data for trying the toolkit out.")

# The demo accounts' documented password (README); only `flask demo seed` uses it.
# The name of a setting.
DEMO_PASSWORD_ENV = "DEMO_ADMIN_PASSWORD"  # nosec B105  # noqa: S105
# Documented demo password.
DEMO_PASSWORD = "maskpark-demo-2026"  # nosec B105  # noqa: S105
STAFF = [
    ("admin@example.org", [Role.ADMIN, Role.ORGANISER]),
    ("organiser@example.org", [Role.ORGANISER]),
    ("caseworker@example.org", [Role.CASEWORKER]),
]


def seed_staff(rng: random.Random) -> None:
    password = os.environ.get(DEMO_PASSWORD_ENV, DEMO_PASSWORD)
    for email, roles in STAFF:
        if auth.find_user(email) is None:
            auth.create_user(email, roles, password=password)



@demo_cli.command("seed")
def seed() -> None:
    """Fill the database with the demo campaign (safe to run again)."""
    # Reproducible demo data, not secrets.
    rng = random.Random(2025)  # nosec B311  # noqa: S311
    # Called in order with one shared, seeded random generator, so the demo is the same every time.
    seeders: list[Callable[[random.Random], None]] = [seed_staff, *registry().seeders]
    with click.progressbar(seeders, label="seeding demo", show_pos=True) as steps:
        for seeder in steps:
            seeder(rng)
    password = os.environ.get(DEMO_PASSWORD_ENV, DEMO_PASSWORD)
    click.echo("Demo ready. Sign in at /login as:")
    for email, roles in STAFF:
        click.echo(f"  {email:<26} {','.join(r.value for r in roles):<20} password: {password}")
    click.echo("Admins and caseworkers set up an authenticator app at their first sign-in.")
    click.echo(f"Caseworkers unlock the demo help desk with the passphrase: {DEMO_PASSPHRASE}")
    click.echo("(published on purpose: run `flask intake rotate` before any real request arrives)")
