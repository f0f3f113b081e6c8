"""`flask backup` and `flask restore`: consistent snapshots taken while the app runs.

SQLite uses its online backup API (readers and writers carry on during the copy); PostgreSQL uses
pg_dump's snapshot. Backups hold personal data: they are written readable by the owner only.
Help requests stay encrypted inside them.
"""
from __future__ import annotations

import os
import shutil
import sqlite3

# Runs pg_dump/pg_restore with fixed arguments, no shell.
import subprocess  # nosec B404
import sys
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import URL, make_url

from campaign.extensions import db
from campaign.timeutil import utcnow


def _libpq() -> tuple[str, dict[str, str]]:
    """The database URL without its password, and an environment carrying the password.

    The password goes through PGPASSWORD, never the command line, where every user of the machine
    could read it (`ps`, /proc/<pid>/cmdline).
    """
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
        url = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
    return url.render_as_string(hide_password=False), env


def _sqlite_path() -> str:
    path = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    if not path or path == ":memory:":
        raise click.ClickException("the SQLite database is in memory; nothing to back up")
    return path


def _copy_sqlite(source: sqlite3.Connection, target: sqlite3.Connection, label: str) -> None:
    total = source.execute("PRAGMA page_count").fetchone()[0] or 1
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        done = 0

        def progress(_status: int, remaining: int, pages: int) -> None:
            nonlocal done
            bar.update(max(0, pages - remaining - done))
            done = pages - remaining

        source.backup(target, pages=256, progress=progress)
        bar.update(total - done)


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise click.ClickException(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    return found


@click.command("backup")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: instance/backups/<time>).",
)
def backup_command(out: Path | None) -> None:
    """Write a consistent snapshot of the database while the app keeps running."""
    dialect = db.engine.dialect.name
    if out is None:
        folder = Path(current_app.instance_path) / "backups"
        folder.mkdir(mode=0o700, exist_ok=True)
        suffix = "sqlite3" if dialect == "sqlite" else "pgdump"
        out = folder / f"campaign-{utcnow():%Y%m%dT%H%M%S}.{suffix}"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    if dialect == "sqlite":
        with sqlite3.connect(_sqlite_path()) as source, sqlite3.connect(out) as target:
            _copy_sqlite(source, target, "backing up")
        target.close()
    else:
        # Fixed argument list, no shell.
        target_url, env = _libpq()
        subprocess.run(  # nosec B603  # noqa: S603
            [_need("pg_dump"), "--format=custom", "--no-owner", f"--file={out}", target_url], check=True, env=env
        )
    click.echo(f"backup written to {out}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's contents with a snapshot made by `flask backup`."""
    if not yes:
        click.confirm("This replaces everything in the database with the backup. Go on?", abort=True)
    db.session.remove()
    db.engine.dispose()
    if db.engine.dialect.name == "sqlite":
        with sqlite3.connect(path) as source, sqlite3.connect(_sqlite_path()) as target:
            _copy_sqlite(source, target, "restoring")
        target.close()
    else:
        # Fixed argument list, no shell.
        target_url, env = _libpq()
        subprocess.run(  # nosec B603  # noqa: S603
            [_need("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
             f"--dbname={target_url}", str(path)],
            check=True, env=env,
        )
    click.echo(f"restored from {path}")
