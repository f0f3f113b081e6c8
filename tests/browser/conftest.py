"""Browser fixtures: the app served on a loopback port, driven by Playwright in Debian's Chromium."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from campaign import worker
from campaign.features import Lane
from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def wait_for_mail(rounds: int = 1200) -> None:
    """Wait (bounded) until the worker beside the live server has composed and delivered every
    mail that is due: the page answered as soon as the mail was queued, not when it arrived.

    Each stage a mail passes through (a public form's notice, a signature or an RSVP whose mail
    is due, a queued mail) is counted in ONE statement, so all are read from one snapshot: read
    one by one, a mail that moves on between two reads would be seen in neither stage."""
    from sqlalchemy import func, select

    from campaign.events.models import Rsvp
    from campaign.extensions import db
    from campaign.mail.models import QueuedMail
    from campaign.notices import PublicNotice
    from campaign.petitions.models import Signature

    stages = [
        select(func.count()).select_from(PublicNotice),
        select(func.count()).select_from(Signature).where(Signature.mail_due.is_(True)),
        select(func.count()).select_from(Rsvp).where(Rsvp.mail_due != ""),
        select(func.count()).select_from(QueuedMail).where(QueuedMail.failed_at.is_(None)),
    ]
    pending = select(sum((stage.scalar_subquery() for stage in stages[1:]), stages[0].scalar_subquery()))
    for _round in range(rounds):
        db.session.rollback()
        if not db.session.scalar(pending):
            return
        time.sleep(0.05)
    raise AssertionError("the worker never delivered the queued mail")


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app.config["BASE_URL"] = self.url
        self.app = app
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.stop_worker = threading.Event()
        self.worker_threads: list[threading.Thread] = []

    def __enter__(self) -> LiveServer:
        # As `flask serve` does: the worker's lanes run in threads beside the server, woken by
        # the commits of requests (mail is never sent inside a request). The BULK lane is left
        # out: the newsletter tests drive dispatch themselves to watch a send's progress.
        self.worker_threads = worker.start_lanes(self.app, self.stop_worker, {Lane.MAIL, Lane.UPKEEP})
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(5)
        # The database is shared by the tests that follow: this worker must be gone before they start.
        self.stop_worker.set()
        for thread in self.worker_threads:
            thread.join(30)


@pytest.fixture()
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The test app (same database and SMTP server as `app`), served over HTTP."""
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture()
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Open a fresh browser context; `new_page(javascript=False)` turns scripts off.

    Every request to another host is recorded and fails the test: pages must load nothing
    from elsewhere.
    """
    contexts: list[Any] = []
    foreign: list[str] = []

    def open_page(javascript: bool = True, locale: str = "zh-CN") -> Any:
        context = browser.new_context(java_script_enabled=javascript, locale=locale, base_url=live_server.url)
        context.on(
            "request",
            lambda req: None if req.url.startswith((live_server.url, "data:", "about:")) else foreign.append(req.url),
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert not foreign, f"pages requested other hosts: {foreign}"
