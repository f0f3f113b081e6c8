"""Fixtures: the app on a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL), a real
SMTP server on loopback, clients signed in per role, and factories."""
from __future__ import annotations

import asyncio
import email
import os
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, inspect, text

from campaign import create_app
from campaign.auth import services as auth
from campaign.auth.models import Role, User
from campaign.extensions import db, limiter
from campaign.features import Feature
from campaign.worker import run_once
from tests.smtp_support import Pipelining

TEST_SECRET = "test-secret-" + "x" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- mail -------------------------------------------------------------------------------------


class Inbox(Pipelining):
    """What the app sent to the loopback SMTP server, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        # Set by a test to make the server answer a code instead of accepting (e.g. "451 busy").
        self.refuse_with: str | None = None
        # Set by a test to make the server slow to answer (seconds).
        self.delay = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse_with:
            return self.refuse_with
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()
        self.refuse_with = None
        self.delay = 0.0

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}; got {[str(m['To']) for m in self.messages]}"
        return found[-1]

    @staticmethod
    def text(msg: EmailMessage) -> str:
        part = msg.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()

    @classmethod
    def links(cls, msg: EmailMessage) -> list[str]:
        return re.findall(r"https?://\S+", cls.text(msg))


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture()
def inbox(smtp_server: tuple[Inbox, int]) -> Iterator[Inbox]:
    box, _port = smtp_server
    box.clear()
    yield box
    box.clear()


def deliver_now(app: Flask) -> int:
    """Run the MAIL lane's delivery job once, as the worker does when a commit wakes it."""
    from campaign import worker

    return worker.run_once(app, {"mail.retry"})


def deliver_if_woken(app: Flask) -> int:
    """What the embedded worker does after a request: if the request woke the MAIL lane (it
    queued mail), deliver the queue. Requests themselves never talk to the mail server."""
    from campaign import worker
    from campaign.features import Lane

    bell = worker.bells(app)[Lane.MAIL]
    if not bell.is_set():
        return 0
    bell.clear()
    return deliver_now(app)


# --- database ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database for the session. PostgreSQL when TEST_DATABASE_URL is set."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    from campaign.config import database_uri

    engine = create_engine(database_uri(url))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = create_app(_base_config(url, tmp_path_factory.mktemp("instance"), 25))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def _base_config(url: str, instance: Path, smtp_port: int) -> dict[str, Any]:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": url,
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_TIMEOUT": 5.0,
        "MAIL_DEFAULT_SENDER": "campaign@example.org",
        # Tests fill forms faster than a person; tests/integration/test_abuse.py turns it back on.
        "FORM_MIN_SECONDS": 0,
        # Every shipped language, so each test meets the third one too (the default is two).
        "LANGUAGES": ["zh_Hans", "zh_Hant", "en"],
    }


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name in inspect(db.engine).get_table_names()]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture()
def make_app(
    database_url: str, smtp_server: tuple[Inbox, int], tmp_path: Path
) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database; settings (and the features installed) may be chosen per test."""
    apps: list[Flask] = []

    def build(features: Iterable[Feature] | None = None, **overrides: Any) -> Flask:
        config = _base_config(database_url, tmp_path / "instance", smtp_server[1])
        config.update(overrides)
        app = create_app(config, features=features)
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture()
def app(make_app: Callable[..., Flask], inbox: Inbox) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        _empty_tables()
        limiter.reset()
    with app.app_context():
        yield app
        db.session.remove()


# --- clients ----------------------------------------------------------------------------------


class Client(FlaskClient):
    """A test client that behaves like separate browser requests.

    Each request runs in its own app context (as in production), so nothing cached on `g` (the
    signed-in user, the language) leaks between requests or clients; afterwards the test's own
    session is rolled back so it sees what the request committed. Every form POST carries a valid
    CSRF token, as a browser's would; pass `csrf=False` to post without one.

    After each request the worker's "notices" job runs, as the worker beside the app does within
    seconds: public forms only queue a notice and the worker decides what to mail. Set
    `worker_jobs` to an empty set to see what the request alone did.
    """

    worker_jobs: frozenset[str] = frozenset({"notices"})

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        add_token = kwargs.pop("csrf", True)
        data = kwargs.get("data")
        if add_token and kwargs.get("method", "GET") == "POST" and isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        outer = has_app_context()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # The test client has no worker beside it: run what the worker would after this request
        # (the public forms' notices), then deliver the mail the MAIL lane was woken for.
        if self.worker_jobs:
            run_once(self.application, set(self.worker_jobs))
        deliver_if_woken(self.application)
        if outer:
            db.session.rollback()
        return response

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", secrets.token_hex(20))
        secret = self.application.config["WTF_CSRF_SECRET_KEY"] if self.application.config.get(
            "WTF_CSRF_SECRET_KEY"
        ) else self.application.config["SECRET_KEY"]
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture()
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        *roles: Role | str, email: str | None = None, password: str = "correct horse battery", totp: bool = False
    ) -> User:
        address = email or f"staff{next(counter)}@example.org"
        user = auth.create_user(address, [Role(r) for r in roles], password=password)
        if totp:
            auth.enable_totp(user, auth.new_totp_secret())
        return user

    return make


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    """Put `user` in the client's session, as a completed sign-in does (with its server-side record)."""
    from campaign import sessions

    with client.application.app_context():
        token = sessions.start(sessions.STAFF, user.id)
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess[sessions.COOKIE_KEY] = token
        sess["_fresh"] = True
    return client


@pytest.fixture()
def login_as(app: Flask, make_user: Callable[..., User]) -> Callable[..., FlaskClient]:
    """A new client signed in as a new user holding `roles`."""

    def login(*roles: Role | str) -> FlaskClient:
        app.test_client_class = Client
        return sign_in(app.test_client(), make_user(*roles))

    return login
