"""Translations are read from disk once per language and process, not on every request."""
from __future__ import annotations

from typing import Any

import pytest
from babel import support
from flask import Flask
from flask.testing import FlaskClient

from tests.petitions_support import make_petition


def test_form_messages_stay_translated_without_reading_catalogues_per_request(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A form's own error messages come in the visitor's language; catalogues load once each."""
    make_petition()
    loads: list[tuple[str, str]] = []
    real = support.Translations.load

    def counting(dirname: Any = None, locales: Any = None, domain: Any = None) -> Any:
        loads.append((str(locales), str(domain)))
        return real(dirname, locales, domain)

    monkeypatch.setattr(support.Translations, "load", counting)
    bad = {"name": "", "email": "ann@example.org", "display": "full"}
    for _ in range(3):
        zh = client.post("/petitions/takedown/sign?lang=zh", data=bad)
        assert zh.status_code == 400 and "该字段是必填字段" in zh.get_data(as_text=True)
    for _ in range(3):
        en = client.post("/petitions/takedown/sign?lang=en", data=bad)
        assert en.status_code == 400 and "This field is required." in en.get_data(as_text=True)
    assert len(loads) <= 2 * 2, loads  # at most our catalogue and WTForms' per language
