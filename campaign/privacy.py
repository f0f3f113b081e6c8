"""Helpers that keep visitors' identifying data out of storage."""
from __future__ import annotations

import hashlib
import hmac
import unicodedata

from flask import current_app, request


def client_key() -> str:
    """A rate-limit key for the visitor: a keyed hash of the address, never the address itself."""
    address = request.remote_addr or "unknown"
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:32]


def normalise_email(raw: str) -> str:
    """Trim, apply Unicode NFKC and lower-case, so one person has one address."""
    return unicodedata.normalize("NFKC", raw).strip().lower()
