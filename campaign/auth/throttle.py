"""Keys and rules for throttling failed sign-ins, so a stranger cannot lock an owner out.

Failures are counted per (account, visitor) and per visitor, never per account alone: ten wrong
passwords from one visitor stop that visitor trying that account, while the owner signing in from
anywhere else is unaffected. A browser where the account signed in before carries a signed
"known device" cookie; its attempts for that account are counted in a bucket of their own and the
per-visitor limit does not apply to them, so a stranger behind the same address (a shared office,
a VPN exit, a Tor onion service) cannot block the owner either.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from campaign.privacy import client_key, normalise_email

DEVICE_COOKIE = "known_device"
DEVICE_DAYS = 90
_SALT = "known-device"


def _account_hash(email: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, normalise_email(email).encode(), hashlib.sha256).hexdigest()[:32]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _known_device() -> str | None:
    """The device id when this browser signed in to the account typed in the form before."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    if not raw:
        return None
    try:
        account, device = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(device, str) or account != _account_hash(request.form.get("email", "")):
        return None
    return device


def known_device() -> bool:
    """True when the per-visitor limit should not apply (see the module's docstring)."""
    return _known_device() is not None


def account_key() -> str:
    """The (account, visitor) bucket: a keyed hash of the address typed, so the store never holds
    emails, joined with the visitor's key or the known device's id."""
    account = _account_hash(request.form.get("email", ""))
    device = _known_device()
    return f"acct:{account}:" + (f"dev:{device}" if device else client_key())


def remember_device(response: Response, email: str) -> None:
    """Mark this browser as one where `email` signed in (a signed cookie holding no address)."""
    value = _serializer().dumps([_account_hash(email), secrets.token_urlsafe(12)])
    response.set_cookie(
        DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), path="/login",
    )


def failed_attempt(response: Response) -> bool:
    """Only refusals count against the limit; a successful sign-in costs nothing."""
    return response.status_code == 401
