"""Fixtures shared by the intake and takedown tests (imported explicitly by those files)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import flask_babel
import pytest
from flask import Flask, g, request_started
from flask.testing import FlaskClient

from campaign.auth.models import Role
from campaign.intake import services as intake

PASSPHRASE = "correct-horse-intake-passphrase"


@pytest.fixture()
def per_request_state(app: Flask) -> Iterator[None]:
    """Forget the user and locale cached in `g` at each request.

    The `app` fixture keeps one app context pushed, so `g` (where flask_login caches the user and
    flask_babel the locale) outlives a request: without this, a test mixing an anonymous visitor
    and a signed-in caseworker, or two languages, would see the first request's in every later one.
    """

    def forget(sender: Flask, **_extra: object) -> None:
        g.pop("_login_user", None)
        flask_babel.refresh()

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)


@pytest.fixture()
def intake_key(app: Flask, per_request_state: None) -> str:
    """The group's key pair exists; returns its passphrase."""
    intake.create_key(PASSPHRASE)
    return PASSPHRASE


def submit_help(client: FlaskClient, **fields: Any) -> str:
    """Send the questionnaire and return the receipt code shown on the answer page."""
    data = {"kinds": ["deepfake"], "contact_method": "none", **fields}
    response = client.post("/help", data=data)
    assert response.status_code == 200, response.text
    found = re.search(r'id="receipt-code"><code>([0-9A-Z-]+)</code>', response.text)
    assert found, "no receipt code on the page"
    return found.group(1)


@pytest.fixture()
def caseworker_client(login_as: Callable[..., FlaskClient], intake_key: str) -> Callable[..., FlaskClient]:
    """A signed-in caseworker; `unlocked=True` also unlocks the key in their session."""

    def make(unlocked: bool = True) -> FlaskClient:
        client = login_as(Role.CASEWORKER)
        if unlocked:
            response = client.post("/cases/unlock", data={"passphrase": intake_key})
            assert response.status_code == 302, response.text
        return client

    return make
