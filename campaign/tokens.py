"""Opaque, expiring tokens for links sent by mail.

A token is an encrypted box (NaCl SecretBox: XSalsa20-Poly1305) holding the purpose, the time it
was made, a subject and a `state`, under a key derived from SECRET_KEY for that purpose. Decoded,
it is random bytes: a mailed link shows no address, row id, time or JSON to whoever reads the mail
on its way or in a log. Each purpose has its own key, so a token made for one link never opens
another. A token may bind a `state` value (a user's session version, a row's current status): when
the state changes, the token stops working, which makes links single-use and revocable.

Links mailed before tokens were encrypted (itsdangerous-signed) are still read, so unsubscribe
links in old newsletters keep working; new links are never made that way.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from campaign.extensions import Model, db

Row = TypeVar("Row", bound=Model)

_VERSION = b"\x01"


class TokenInvalid(Exception):
    """The token was tampered with, made for another purpose, or its state has changed."""


class TokenExpired(TokenInvalid):
    """The token is genuine but too old."""


class LinkSpent(TokenInvalid):
    """The token is genuine, but its row is gone or its state has moved on (used, withdrawn)."""


def _box(purpose: str) -> SecretBox:
    secret = hashlib.sha512(str(current_app.config["SECRET_KEY"]).encode()).digest()
    key = hashlib.blake2b(f"campaign.{purpose}".encode(), key=secret[:64], digest_size=SecretBox.KEY_SIZE,
                          person=b"campaign-tokens").digest()
    return SecretBox(key)


def make(purpose: str, subject: Any, state: Any = None) -> str:
    """An opaque token for `purpose` carrying `subject` and `state` (JSON-serialisable values)."""
    plain = json.dumps([purpose, int(time.time()), subject, state], separators=(",", ":")).encode()
    sealed = _VERSION + bytes(_box(purpose).encrypt(plain))
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()


def read(purpose: str, token: str, max_age: int) -> tuple[Any, Any]:
    """Return (subject, state) or raise TokenExpired / TokenInvalid."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise TokenInvalid() from None
    if not raw.startswith(_VERSION):
        return _read_legacy(purpose, token, max_age)
    try:
        made_for, issued, subject, state = json.loads(_box(purpose).decrypt(raw[len(_VERSION):]))
    except (CryptoError, ValueError, TypeError) as exc:
        # A legacy token may start with the version byte by chance: try it before giving up.
        try:
            return _read_legacy(purpose, token, max_age)
        except TokenInvalid:
            raise TokenInvalid() from exc
    if made_for != purpose or not isinstance(issued, int):
        raise TokenInvalid()
    if time.time() - issued > max_age:
        raise TokenExpired()
    return subject, state


def open_link(
    purpose: str, token: str, max_age: int, model: type[Row], state_of: Callable[[Row], Any] | None = None
) -> Row:
    """The row of `model` a mailed link names, while the link is genuine and unexpired and, when
    `state_of` is given, the row's state is still the one the link was made for.

    Raises TokenExpired, LinkSpent (no such row, or its state moved on: used, answered,
    withdrawn) or TokenInvalid (tampered, or made for another purpose); each feature turns these
    into its own message.
    """
    subject, state = read(purpose, token, max_age)
    row = db.session.get(model, subject) if isinstance(subject, int) else None
    if row is None or (state_of is not None and state_of(row) != state):
        raise LinkSpent()
    return row


def _read_legacy(purpose: str, token: str, max_age: int) -> tuple[Any, Any]:
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"campaign.{purpose}")
    try:
        subject, state = serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise TokenInvalid() from exc
    return subject, state
