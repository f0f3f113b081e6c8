"""Server-side sign-in sessions for staff and volunteers.

The signed cookie carries a random session id; the database keeps only its hash. Every request
looks the row up, so sign-out, lock, revocation and idle expiry end a session in every process at
once, and a copy of the cookie taken earlier is refused afterwards.

When a session ends, `session_ended` is sent (a blinker signal) with the app as sender and the
keyword arguments `kind` ("staff" or "volunteer"), `subject_id` (the user's or volunteer's id),
`session_id` (the row id) and `reason` ("signout", "revoked", "idle", "replaced", "erased").
Anything held for a session (an unlocked key, for instance) should be dropped on it.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from blinker import Namespace
from flask import Flask, current_app
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import ColumnElement, CursorResult, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import Model, db
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)

_signals = Namespace()
session_ended = _signals.signal("session-ended")

STAFF = "staff"
VOLUNTEER = "volunteer"
COOKIE_KEY = "sid"  # the key in the Flask session that holds the random id
# last_seen_at is written at most this often, so a busy page does not write on every request.
_TOUCH_EVERY = timedelta(seconds=60)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session, with its signing serializer built once per key set.

    Flask builds a new serializer (key list, signer options) twice on each request, to open and
    to save the cookie. The cookie, its format, keys, salt and checks are Flask's own: only the
    object is kept, and built again whenever SECRET_KEY or SECRET_KEY_FALLBACKS change.
    """

    def __init__(self) -> None:
        self._serializer: tuple[object, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._serializer
        if kept is None or kept[0] != keys:
            kept = (keys, super().get_signing_serializer(app))
            self._serializer = kept
        return kept[1]


class LoginSession(Model):
    """One sign-in. `token_hash` is the SHA-256 of the random id the cookie carries."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(String(20), default="")

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} {self.kind}:{self.subject_id}>"


@dataclass(frozen=True)
class Ended:
    kind: str
    subject_id: int
    session_id: int
    reason: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def _announce(ended: list[Ended]) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for item in ended:
        logger.info("session %s ended (%s)", item.session_id, item.reason)
        session_ended.send(app, kind=item.kind, subject_id=item.subject_id,
                           session_id=item.session_id, reason=item.reason)


def start(kind: str, subject_id: int) -> str:
    """Record a new session and return the random id for the cookie (commits)."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_hash(token), kind=kind, subject_id=subject_id))
    db.session.commit()
    return token


def current(token: str | None, kind: str) -> LoginSession | None:
    """The live session for this cookie id, or None. An idle session is ended here."""
    if not token or not isinstance(token, str):
        return None
    row: LoginSession | None = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(token)))
    if row is None or row.kind != kind or row.ended_at is not None:
        return None
    now = utcnow()
    if now - row.last_seen_at > _idle_limit():
        end(token, "idle")
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row


def _end_where(*conditions: ColumnElement[bool], reason: str) -> None:
    rows = list(db.session.scalars(select(LoginSession).where(LoginSession.ended_at.is_(None), *conditions)))
    if not rows:
        return
    now = utcnow()
    db.session.execute(update(LoginSession).where(LoginSession.id.in_([r.id for r in rows]))
                       .values(ended_at=now, end_reason=reason))
    ended = [Ended(r.kind, r.subject_id, r.id, reason) for r in rows]
    db.session.commit()
    _announce(ended)


def end(token: str | None, reason: str) -> None:
    """End the session this cookie id names (sign-out); nothing happens for an unknown id."""
    if token and isinstance(token, str):
        _end_where(LoginSession.token_hash == _hash(token), reason=reason)


def end_all(kind: str, subject_id: int, reason: str) -> None:
    """End every open session of one person (revocation, lock, password change, erasure)."""
    _end_where(LoginSession.kind == kind, LoginSession.subject_id == subject_id, reason=reason)


def mark_all_ended(kind: str, subject_id: int, reason: str) -> None:
    """End every open session of one person inside the caller's transaction (no commit, no signal).

    For callers that revoke as part of a larger unit of work (blocking or erasing a volunteer);
    the session_version bump in the same transaction refuses the cookie as well.
    """
    db.session.execute(update(LoginSession).where(
        LoginSession.ended_at.is_(None), LoginSession.kind == kind, LoginSession.subject_id == subject_id
    ).values(ended_at=utcnow(), end_reason=reason))


def purge_ended(older_than: timedelta = timedelta(days=1)) -> int:
    """Delete rows of sessions that ended or went idle long ago (upkeep)."""
    cutoff = utcnow() - older_than
    rows: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        delete(LoginSession).where(
            (LoginSession.ended_at < cutoff) | (LoginSession.last_seen_at < cutoff - _idle_limit())
        )
    )
    db.session.commit()
    return int(rows.rowcount or 0)
