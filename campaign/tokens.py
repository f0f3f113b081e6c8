"""Signed, expiring tokens for links sent by mail.

Each purpose has its own salt, so a token made for one link never opens another. A token may bind
a `state` value (a user's session version, a row's current status): when the state changes, the
token stops working, which makes links single-use and revocable.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenInvalid(Exception):
    """The token was tampered with, made for another purpose, or its state has changed."""


class TokenExpired(TokenInvalid):
    """The token is genuine but too old."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"campaign.{purpose}")


def make(purpose: str, subject: Any, state: Any = None) -> str:
    return _serializer(purpose).dumps([subject, state])


def read(purpose: str, token: str, max_age: int) -> tuple[Any, Any]:
    """Return (subject, state) or raise TokenExpired / TokenInvalid."""
    try:
        subject, state = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise TokenInvalid() from exc
    return subject, state

