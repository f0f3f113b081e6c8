"""Keys and rules for throttling failed sign-ins (per address and per account)."""
from __future__ import annotations

import hashlib
import hmac

from flask import Response, current_app, request

from campaign.privacy import normalise_email


def account_key() -> str:
    """A keyed hash of the address typed into the form, so the store never holds emails."""
    email = normalise_email(request.form.get("email", ""))
    secret = current_app.config["SECRET_KEY"].encode()
    return "acct:" + hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()[:32]


def failed_attempt(response: Response) -> bool:
    """Only refusals count against the limit; a successful sign-in costs nothing."""
    return response.status_code == 401
