"""Command-line tools that belong to no single feature: users, demo data, worker, serve."""
from __future__ import annotations

import signal
import sys
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from campaign.auth import services as auth
from campaign.auth.models import Role, User
from campaign.extensions import db

ROLE_CHOICE = click.Choice([r.value for r in Role])

users_cli = AppGroup("users", help="Manage staff accounts (admins, organisers, caseworkers).")


def _user(email: str) -> User:
    user = auth.find_user(email)
    if user is None:
        raise click.ClickException(f"no account with the address {email}")
    return user


@users_cli.command("create")
@click.option("--email", required=True, help="The person's email address (their login).")
@click.option("--role", "roles", required=True, multiple=True, type=ROLE_CHOICE, help="A role; repeat for several.")
@click.option("--password", help="Initial password; prompted for (hidden, twice) when left out.")
def users_create(email: str, roles: tuple[str, ...], password: str | None) -> None:
    """Create a staff account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = auth.create_user(email, [Role(r) for r in roles], password=password)
    except auth.AuthError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.email} ({', '.join(sorted(r.value for r in user.roles))})")


@users_cli.command("list")
def users_list() -> None:
    """List staff accounts with their roles and state."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "disabled" if user.disabled_at else "active"
        tfa = "2fa" if user.totp_enabled else "no-2fa"
        roles = ",".join(sorted(r.value for r in user.roles))
        click.echo(f"{user.id}\t{user.email}\t{roles}\t{state}\t{tfa}")


@users_cli.command("set-role")
@click.option("--email", required=True)
@click.option("--role", "roles", required=True, multiple=True, type=ROLE_CHOICE, help="Repeat for several.")
def users_set_role(email: str, roles: tuple[str, ...]) -> None:
    """Replace a person's roles with the ones given."""
    user = auth.set_roles(_user(email), [Role(r) for r in roles])
    click.echo(f"{user.email}: {', '.join(sorted(r.value for r in user.roles))}")


@users_cli.command("disable")
@click.option("--email", required=True)
def users_disable(email: str) -> None:
    """Disable an account at once: its sessions end and links mailed to it stop working."""
    user = _user(email)
    auth.revoke(user, disable=True)
    click.echo(f"disabled {user.email}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run jobs until there is no work left, then exit.")
@click.option(
    "--lanes", default="mail,bulk,upkeep,hooks", show_default=True,
    help="Comma-separated lanes this process runs, each in its own thread: mail, bulk, upkeep, hooks.",
)
def worker_command(burst: bool, lanes: str) -> None:
    """Run the background worker (mail, newsletters, reminders, clean-ups)."""
    import threading

    from campaign import worker
    from campaign.features import Lane

    try:
        chosen = {Lane(name.strip()) for name in lanes.split(",") if name.strip()}
    except ValueError as exc:
        raise click.BadParameter(f"lanes are {', '.join(lane.value for lane in Lane)}", param_hint="--lanes") from exc

    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not burst:
        click.echo("worker running; Ctrl-C to stop", err=True)
    worker.run_forever(app, stop, burst=burst, lanes=chosen)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-worker", is_flag=True, help="Do not run the background worker in this process.")
def serve_command(host: str, port: int, no_worker: bool) -> None:
    """Serve the app for one machine (development and small groups), with a worker beside it.

    For production use gunicorn and `flask worker`; see the README.
    """
    from werkzeug.serving import WSGIRequestHandler, run_simple

    from campaign import worker

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: object, **kwargs: object) -> None:
            pass  # request lines carry visitors' addresses; we keep none

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not no_worker:
        worker.start_in_thread(app)
    click.echo(f"serving on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    run_simple(host, port, app, threaded=True, request_handler=QuietHandler)
    sys.exit(0)


def register(app: Flask) -> None:
    from campaign.backup import backup_command, restore_command
    from campaign.demo import demo_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(demo_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
