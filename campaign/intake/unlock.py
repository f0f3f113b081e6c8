"""Unlocked case keys, usable from any process and any host, readable by none of them alone.

At unlock a random 32-byte secret T is drawn. The unwrapped private key is sealed (SecretBox)
under a key derived from T and stored in `intake_unlocks`, in a row named by a hash of T, with the
caseworker's id, the key's version, their session version and the time of last use. T itself goes
only into the caseworker's session cookie, and encrypted there (SecretBox under a key derived from
SECRET_KEY), because Flask's session cookie is signed, not encrypted.

So: a copy of the database (and Redis, and the instance folder with SECRET_KEY) holds only sealed
keys whose T it lacks; the cookie alone holds T encrypted under a key it lacks, and names no row.
Both together, or a live server's memory, open cases: campaign/intake/README.md says so.

The row goes when the caseworker locks, signs out (flask_login's user_logged_out), stays idle past
INTAKE_UNLOCK_MINUTES, reaches MAX_HOURS, or their session version changes (password change,
deactivation, "sign out everywhere"), and when the key is rotated.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask import Flask
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey
from nacl.secret import SecretBox
from sqlalchemy import delete, func, or_, select, update

from campaign.auth.models import User
from campaign.extensions import db
from campaign.intake.models import Unlock
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)

MAX_HOURS = 12  # an unlock ends after this long, however busy the caseworker is
_TOUCH_SECONDS = 60  # last use is written at most once a minute per unlock


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return hashlib.blake2b(secret, digest_size=32, person=purpose).digest()


def _row_id(token: bytes) -> str:
    return _derive(token, b"unlock-row").hex()


def _cookie_box(secret_key: str) -> SecretBox:
    return SecretBox(_derive(secret_key.encode(), b"unlock-cookie"))


class UnlockStore:
    """Puts, finds and drops unlocks. `secret_key` is the app's SECRET_KEY; `idle` the idle limit."""

    def __init__(self, secret_key: str, idle: timedelta) -> None:
        self._cookie = _cookie_box(secret_key)
        self._idle = idle

    def put(self, private_key: PrivateKey, key_version: int, user_id: int, session_version: int) -> str:
        """Store a sealed unlock; returns the value for the session (the encrypted secret)."""
        token = secrets.token_bytes(32)
        now = utcnow()
        self._purge(now)
        db.session.add(Unlock(
            row_id=_row_id(token), user_id=user_id, key_version=key_version,
            session_version=session_version,
            sealed_key=bytes(SecretBox(_derive(token, b"unlock-key")).encrypt(bytes(private_key))),
            last_used_at=now, expires_at=now + timedelta(hours=MAX_HOURS),
        ))
        db.session.commit()
        logger.info("intake unlock stored for user %s, key v%s", user_id, key_version)
        return self._cookie.encrypt(token).hex()

    def get(self, value: str | None, user_id: int, key_version: int, session_version: int) -> PrivateKey | None:
        """The key if `value` (from the session) names a live unlock of this user, key and session."""
        token = self._token(value)
        if token is None:
            return None
        row = db.session.get(Unlock, _row_id(token))
        if row is None:
            return None
        now = utcnow()
        if (row.user_id != user_id or row.key_version != key_version or row.session_version != session_version
                or row.last_used_at < now - self._idle or row.expires_at <= now):
            self._drop_row(row.row_id)
            return None
        try:
            private = PrivateKey(SecretBox(_derive(token, b"unlock-key")).decrypt(row.sealed_key))
        except CryptoError:
            return None
        if (now - row.last_used_at).total_seconds() >= _TOUCH_SECONDS:
            db.session.execute(update(Unlock).where(Unlock.row_id == row.row_id).values(last_used_at=now))
            self._purge(now)
            db.session.commit()
        return private

    def drop(self, value: str | None) -> None:
        """Destroy the unlock that `value` names (lock, sign-out)."""
        token = self._token(value)
        if token is not None:
            self._drop_row(_row_id(token))

    def __len__(self) -> int:
        return int(db.session.scalar(select(func.count()).select_from(Unlock)) or 0)

    def drop_user(self, user_id: int) -> None:
        """Destroy every unlock of one user (revocation from the admin side)."""
        db.session.execute(delete(Unlock).where(Unlock.user_id == user_id))
        db.session.commit()

    def _token(self, value: str | None) -> bytes | None:
        if not value:
            return None
        try:
            return bytes(self._cookie.decrypt(bytes.fromhex(value)))
        except (ValueError, CryptoError):
            return None

    def _drop_row(self, row_id: str) -> None:
        db.session.execute(delete(Unlock).where(Unlock.row_id == row_id))
        db.session.commit()

    def _purge(self, now: datetime) -> None:
        db.session.execute(delete(Unlock).where(or_(Unlock.last_used_at < now - self._idle, Unlock.expires_at <= now)))


def purge_stale(idle: timedelta) -> int:
    """Delete unlocks idle past `idle`, expired, or of a session version that has since changed
    (revoked, password changed); returns how many (for a periodic job)."""
    now = utcnow()
    revoked = select(User.session_version).where(User.id == Unlock.user_id).scalar_subquery()
    result = db.session.execute(
        delete(Unlock).where(or_(Unlock.last_used_at < now - idle, Unlock.expires_at <= now,
                                 Unlock.session_version != revoked))
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def store_for(app: Flask) -> UnlockStore:
    """The store with the app's SECRET_KEY and current idle limit (INTAKE_UNLOCK_MINUTES)."""
    return UnlockStore(app.config["SECRET_KEY"], timedelta(minutes=app.config["INTAKE_UNLOCK_MINUTES"]))
