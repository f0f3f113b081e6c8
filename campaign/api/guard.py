"""Who may call the API: the access checker for views declared `access.api(scope)`, the per-key
rate limit, the body-size cap, and a guard that keeps cookies off every /api/ answer."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import current_app, g, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from limits import RateLimitItemPerMinute
from werkzeug.exceptions import Forbidden, TooManyRequests, Unauthorized

from campaign.api import keys
from campaign.api.models import ApiKey
from campaign.errors import api_refusal
from campaign.extensions import limiter

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from campaign.access import Access

PREFIX = "/api/"


def _token() -> str:
    """The key from `Authorization: Bearer <token>` or OSDI's `OSDI-API-Token` header."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("OSDI-API-Token", "").strip()


def check(access: Access) -> ResponseReturnValue | None:
    """The access checker for kind "api": a live key holding the view's scope, within its limit."""
    request.max_content_length = current_app.config["API_MAX_BODY_KB"] * 1024
    key = keys.authenticate(_token())
    if key is None:
        api_refusal(Unauthorized, "key_invalid", _l("A valid API key is needed (Authorization: Bearer <key>)."))
    if access.scope and access.scope not in key.scope_list:
        api_refusal(Forbidden, "scope_missing", _l("This key does not hold the scope %(scope)s.", scope=access.scope))
    item = RateLimitItemPerMinute(current_app.config["API_RATE_PER_MINUTE"])
    if not limiter.limiter.hit(item, "api-key", str(key.id)):
        api_refusal(TooManyRequests, "rate_limited", _l("Too many calls with this key. Please wait a minute."))
    g.api_key = key
    return None


def current_key() -> ApiKey:
    key: ApiKey = g.api_key
    return key


class NoCookies:
    """WSGI middleware: answers under /api/ never set a cookie (no session, no language choice).

    API clients authenticate with a key; a cookie would only be state nobody asked for."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not str(environ.get("PATH_INFO", "")).startswith(PREFIX):
            return self.app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if name.lower() != "set-cookie"]
            return start_response(status, kept, exc_info)

        return self.app(environ, start)
