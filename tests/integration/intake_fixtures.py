"""Fixtures shared by the intake and takedown tests (imported explicitly by those files)."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.auth.models import Role
from campaign.intake import services as intake

PASSPHRASE = "correct-horse-intake-passphrase"


@pytest.fixture()
def intake_key(app: Flask) -> str:
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
