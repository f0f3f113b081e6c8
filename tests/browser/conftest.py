"""Browser fixtures: the app served on a loopback port, driven by Playwright in Debian's Chromium."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from campaign.worker import run_once
from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _with_worker(app: Flask) -> Any:
    """The app, followed after each request by the worker's "notices" job, as the worker beside the
    app does within seconds (public forms only queue a notice; the worker mails). The response
    leaves once the job ran, so a test reading the inbox next finds the mail without waiting."""

    def serve(environ: Any, start_response: Any) -> Any:
        body = list(app(environ, start_response))
        run_once(app, {"notices"})
        return body

    return serve


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app.config["BASE_URL"] = self.url
        self.server = make_server("127.0.0.1", self.port, _with_worker(app), threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(5)


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
        context.on("request", lambda req: None if req.url.startswith((live_server.url, "data:", "about:")) else foreign.append(req.url))
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert not foreign, f"pages requested other hosts: {foreign}"
