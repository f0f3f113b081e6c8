"""Response headers every page gets, and guards against redirects to other hosts."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)


_UNFRAMEABLE = "frame-ancestors 'none'"


def csp_framed_by(origins: list[str]) -> str:
    """The site's CSP, but framable by `origins` (validated scheme://host[:port] strings)."""
    if not origins:
        return _CSP
    return _CSP.replace(_UNFRAMEABLE, "frame-ancestors " + " ".join(origins))


_HEADERS = (
    ("Content-Security-Policy", _CSP),
    ("X-Content-Type-Options", "nosniff"),
    # same-origin, not no-referrer: over HTTPS Flask-WTF refuses a POST whose Referer is missing or
    # names another host (WTF_CSRF_SSL_STRICT), and browsers send one only to our own origin.
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(hsts: bool) -> tuple[tuple[str, str, str], ...]:
    """(lower-case name, name, value) of the headers every answer gets (a view may set its own
    value of any of them first)."""
    return tuple((name.lower(), name, value) for name, value in ((*_HEADERS, _HSTS) if hsts else _HEADERS))


def add_headers(response: Response) -> Response:
    # Decided once per app (HSTS follows the configured scheme), then added in one pass: each
    # `setdefault` on werkzeug's Headers scans the list and raises a KeyError when absent.
    headers = response.headers
    present = {name.lower() for name, _value in headers}
    if "content-security-policy" in present and _UNFRAMEABLE not in headers["Content-Security-Policy"]:
        # A page that names its framers (the petition embed: csp_framed_by) must not be denied by
        # the older header; every other page keeps both.
        present.add("x-frame-options")
    for lower, name, value in current_app.extensions["security_headers"]:
        if lower not in present:
            headers.add(name, value)
    return response


def safe_next(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site (no scheme, host or backslash tricks)."""
    if not target:
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


class NulCharacter(BadRequest):
    """A request carried a NUL character, which no field has a use for."""


class UnexpectedFile(BadRequest):
    """A file was sent in a field that takes text (a multipart request), or to a form without files."""


F = TypeVar("F", bound=Callable[..., object])


def accepts_files(*names: str) -> Callable[[F], F]:
    """Declare the fields of a view's form that take a file upload; files anywhere else are refused."""

    def mark(view: F) -> F:
        view._file_fields = frozenset(names)  # type: ignore[attr-defined]
        return view

    return mark


def refuse_unexpected_files() -> None:
    """A file sent in a text field would reach code expecting a string: refuse it with a message."""
    if request.mimetype != "multipart/form-data" or not request.files:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    allowed: frozenset[str] = getattr(view, "_file_fields", frozenset())
    if any(name not in allowed for name in request.files):
        raise UnexpectedFile()


# The bodies werkzeug parses into request.form; any other body leaves the form empty.
_FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def refuse_nul_bytes() -> None:
    """No text field has a use for NUL, and PostgreSQL cannot store one: refuse it cleanly."""
    if "\x00" in request.path:  # e.g. /petitions/%00: no page has a NUL in its address
        raise NulCharacter()
    # Only a query string or a form body can carry fields: a plain GET parses nothing here.
    sources = [request.args] if request.query_string else []
    if request.mimetype in _FORM_TYPES:
        sources.append(request.form)
    for values in sources:
        for _key, value in values.items(multi=True):
            if "\x00" in value:
                raise NulCharacter()


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_HOPS trusted proxies, take scheme, host, port and client address from their
    X-Forwarded-* headers; with none, ignore those headers (a visitor could write them)."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=0
        )


def init_app(app: Flask) -> None:
    app.extensions["security_headers"] = security_headers(bool(app.config["HSTS"]))
    trust_proxies(app)
    app.before_request(refuse_nul_bytes)
    app.before_request(refuse_unexpected_files)
    app.after_request(add_headers)
