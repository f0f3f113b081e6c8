"""Helpers for the API tests: a real HTTP server for the app, a loopback webhook receiver that
checks signatures, and a key made the way an admin makes one."""
from __future__ import annotations

import hashlib
import hmac
import http.cookiejar
import json
import re
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib import request as urlrequest
from urllib.error import HTTPError
from urllib.parse import urlencode

from flask import Flask
from werkzeug.serving import make_server

from campaign.api import keys
from campaign.auth.models import User


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A partner's webhook receiver on loopback: it verifies each delivery's signature, as the
    documentation tells partners to, and answers `answer` (a status code)."""

    secret: str = ""
    answer: int = 200
    got: list[Received] = field(default_factory=list)
    url: str = ""

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        stamp = headers.get("X-Campaign-Timestamp", "")
        given = headers.get("X-Campaign-Signature", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return False
        mac = hmac.new(self.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given, "sha256=" + mac)


@contextmanager
def receiver(path: str = "/hook") -> Iterator[Receiver]:
    box = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k: v for k, v in self.headers.items()}
            box.got.append(Received(headers, body, box.verify(headers, body)))
            self.send_response(box.answer)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_port}{path}"
    try:
        yield box
    finally:
        server.shutdown()
        thread.join()


def make_key(admin: User, *scopes: str) -> str:
    """A key as an admin makes it in the staff area; returns its token."""
    _key, token = keys.create("partner", scopes, None, admin)
    return token


def call(method: str, url: str, token: str | None = None, body: Any = None,
         raw: bytes | None = None, headers: dict[str, str] | None = None,
         context: ssl.SSLContext | None = None) -> tuple[int, dict[str, str], Any]:
    """A plain HTTP call as a partner's script makes it: (status, headers, parsed JSON or text).
    `context` trusts the certificate of an HTTPS test server."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    sent = {"Accept": "application/json", **(headers or {})}
    if data is not None:
        sent.setdefault("Content-Type", "application/json")
    if token:
        sent["Authorization"] = f"Bearer {token}"
    req = urlrequest.Request(url, data=data, method=method, headers=sent)  # noqa: S310  (the test server)
    try:
        with urlrequest.urlopen(req, timeout=30, context=context) as answer:  # noqa: S310  (the test server)
            status, got, payload = answer.status, dict(answer.headers.items()), answer.read()
    except HTTPError as exc:
        status, got, payload = exc.code, dict(exc.headers.items()), exc.read()
    try:
        return status, got, json.loads(payload)
    except ValueError:
        return status, got, payload.decode("utf-8", "replace")


def confirm_in_browser(url: str) -> None:
    """What a signer's browser does with a mailed confirmation link: open the page (which
    confirms nothing), then press its button (a form POST with the page's CSRF token)."""
    jar = urlrequest.build_opener(urlrequest.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with jar.open(url, timeout=30) as answer:
        page = answer.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no confirmation form on the page"
    form = urlencode({"csrf_token": token.group(1)}).encode()
    post = urlrequest.Request(url, data=form, method="POST", headers={"Referer": url})  # noqa: S310
    with jar.open(post, timeout=30) as answer:
        assert answer.status == 200
