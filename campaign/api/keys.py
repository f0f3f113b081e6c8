"""API keys: made by an admin and shown once, kept as a keyed hash, checked on every call."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from campaign.api.models import ApiKey
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.extensions import db
from campaign.timeutil import utcnow

# A public prefix that marks our tokens, not a secret.
TOKEN_START = "cmp_"  # nosec B105  # noqa: S105
# cmp_<prefix: hex>_<secret: URL-safe base64>, as `create` makes them.
_TOKEN_SHAPE = re.compile(r"cmp_([0-9a-f]{1,16})_[A-Za-z0-9_-]+", re.ASCII)
# last_used_at is written at most this often, so a busy key does not write on every call.
_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Hasher:
    """HMAC-SHA256 under a server secret. Tokens carry 256 random bits, so a fast keyed hash is
    enough (a slow password hash would only slow every call); without the server secret a copy of
    the database does not let anyone test guesses."""

    secret: bytes

    def digest(self, token: str) -> str:
        return hmac.new(self.secret, token.encode(), hashlib.sha256).hexdigest()


def hasher() -> Hasher:
    """The hasher of the current app, keyed from SECRET_KEY (rotating it voids every API key)."""
    base = str(current_app.config["SECRET_KEY"]).encode()
    return Hasher(hmac.new(base, b"campaign api keys", hashlib.sha256).digest())


def create(name: str, scopes: Iterable[str], expires_at: datetime | None, actor: User) -> tuple[ApiKey, str]:
    """Make a key; returns it and its token, which is shown once and never stored."""
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(name=name.strip()[:80], prefix=prefix, token_hash=hasher().digest(token),
                 scopes=",".join(sorted(set(scopes))), expires_at=expires_at, created_by_id=actor.id)
    db.session.add(key)
    db.session.flush()
    audit.record(actor, "api.key_create", "api_key", key.id, detail=key.scopes)
    db.session.commit()
    return key, token


def revoke(key_id: int, actor: User) -> ApiKey | None:
    """Revoke a key at once: the next call with it is refused, in every process."""
    key = db.session.get(ApiKey, key_id)
    if key is None:
        return None
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(actor, "api.key_revoke", "api_key", key.id)
    db.session.commit()
    return key


def all_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())))


def authenticate(token: str) -> ApiKey | None:
    """The live key a token names, or None. Reads the row on every call (no cache), so a revoked
    or expired key stops working at once."""
    found = _TOKEN_SHAPE.fullmatch(token) if len(token) <= 200 else None
    if found is None:  # not one of ours (a NUL or a lone surrogate could not even be looked up)
        return None
    prefix = found.group(1)
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not hmac.compare_digest(key.token_hash, hasher().digest(token)):
        return None
    now = utcnow()
    if not key.live(now):
        return None
    if key.last_used_at is None or key.last_used_at <= now - _TOUCH_EVERY:
        db.session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        db.session.commit()
    return key
