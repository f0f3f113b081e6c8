"""Error pages in the visitor's language. The 500 handler rolls the session back."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, NoReturn

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from campaign.extensions import db, limiter, login_manager
from campaign.security import NulCharacter, UnexpectedFile

logger = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back, reload the page and try again.")),
    401: (_l("Not signed in"), _l("A valid API key is needed.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Not found"), _l("There is no page at this address.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("What you sent is too large. Shorten it and try again.")),
    422: (_l("Invalid input"), _l("Some fields are missing or not valid.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Please wait and try again.")),
    500: (
        _l("Something went wrong"),
        _l("An error occurred on our side and nothing was saved. Please try again later."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("The site cannot reach its database right now. Please try again in a few minutes."),
    ),
}


_JSON_PREFIXES = "campaign.errors.json_prefixes"


def json_under(app: Flask, prefix: str) -> None:
    """Answer errors for paths under `prefix` (an API) in JSON, never with an HTML page."""
    app.extensions.setdefault(_JSON_PREFIXES, []).append(prefix)


def _json_wanted() -> bool:
    prefixes: list[str] = current_app.extensions.get(_JSON_PREFIXES, [])
    return bool(prefixes) and request.path.startswith(tuple(prefixes))


def api_refusal(exc: type[HTTPException], reason: str, message: object) -> NoReturn:
    """Raise `exc` for an API call, with a message in the caller's language and a `reason` that
    stays the same in every language and release, for scripts to act on ("already_signed")."""
    error: Any = exc()
    error.data = {"message": str(message), "reason": reason}
    raise error


def _status_reason(code: int) -> str:
    """The `reason` of an API error nobody named: its HTTP status, as in "not_found"."""
    return HTTP_STATUS_CODES.get(code, "error").lower().replace("'", "").replace(" ", "_")


def _json(code: int, detail: str | None = None, fields: object = None, reason: str | None = None
          ) -> tuple[Response, int]:
    """An API error: the HTTP status as `code`, its name, a stable `reason`, a message in the
    caller's language, and field messages if any."""
    _title, message = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    body: dict[str, object] = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error"),
                               "reason": reason or _status_reason(code), "message": str(detail or message)}
    if fields:
        body["errors"] = fields
    return jsonify(body), code


def _render(code: int, detail: str | None = None) -> ResponseReturnValue:
    title, message = MESSAGES.get(code, MESSAGES[500])
    if _json_wanted():
        return _json(code, detail)
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    code = exc.code or 500
    if request.path.startswith("/static/"):
        return str(exc.description), code
    if _json_wanted():
        # Field messages (webargs puts them in exc.data) and a message the view chose.
        data = getattr(exc, "data", None) or {}
        fields = data.get("messages") if isinstance(data, dict) else None
        detail = data.get("message") if isinstance(data, dict) else None
        reason = data.get("reason") if isinstance(data, dict) else None
        # Any client or server error keeps its status (409 for a conflict, say): a client reads it.
        body, status = _json(code if code in HTTP_STATUS_CODES and code >= 400 else 400, detail, fields, reason)
        if status == 401:
            return body, status, {"WWW-Authenticate": "Bearer"}
        return body, status
    return _render(code if code in MESSAGES else 400)


def _csrf_error(exc: CSRFError) -> ResponseReturnValue:
    return _render(400, str(_l("The form had expired or was sent from elsewhere. Reload the page and try again.")))


def _nul_character(exc: NulCharacter) -> ResponseReturnValue:
    return _render(400, str(_l(
        "What you typed contains an invisible control character (NUL) that cannot be stored. "
        "Remove it, for example by typing the text again, and send the form once more."
    )))


def _unexpected_file(exc: UnexpectedFile) -> ResponseReturnValue:
    message = _l("A file was sent where this form expects text. Go back and type your answers into the form.")
    return _render(400, str(message))


def _rate_limited(exc: RateLimitExceeded) -> ResponseReturnValue:
    if exc.response is not None:
        return exc.response  # the route's own answer (an embedded form's stays framable)
    limit = limiter.current_limit
    if limit is not None:
        when = format_datetime(datetime.fromtimestamp(limit.reset_at, UTC), "short")
        return _render(429, str(_l("Too many attempts. Please try again after %(when)s.", when=when)))
    return _render(429)


def _database_down(exc: OperationalError) -> ResponseReturnValue:
    db.session.rollback()
    # Render as an anonymous visitor: loading the signed-in user would need the database.
    g._login_user = login_manager.anonymous_user()
    logger.error("database error: %s", type(exc.orig).__name__ if exc.orig else exc)
    return _render(503)


def _server_error(exc: InternalServerError) -> ResponseReturnValue:
    db.session.rollback()
    return _render(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(NulCharacter, _nul_character)
    app.register_error_handler(UnexpectedFile, _unexpected_file)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(InternalServerError, _server_error)
