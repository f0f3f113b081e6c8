"""Probes over every route of app.url_map (findings: a file sent in a text field gave a 500 on
both databases; a NUL in a petition slug gave a 500 on PostgreSQL).

Each route is opened with a NUL in each path variable, and each route taking POST is sent a
multipart body with a file in every field any form of the app has, as a stranger, as a volunteer
and as an admin holding every role. No answer may be a server error.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.routing import Rule

from campaign.auth.models import Role
from campaign.extensions import db, limiter
from campaign.volunteers.models import Volunteer
from tests.conftest import Client
from tests.integration.volunteer_factories import volunteer_client

NUL = "x\x00y"


def _all_subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _field_names() -> set[str]:
    """Every field name of every form class in the app (csrf_token aside)."""
    names: set[str] = set()
    for form in _all_subclasses(FlaskForm):
        if form.__module__.startswith("campaign."):
            names.update(name for name, _field in getattr(form, "_unbound_fields", None) or [])
            names.update(key for key, value in vars(form).items() if hasattr(value, "field_class"))
    names.discard("csrf_token")
    return names


def _value(rule: Rule, name: str) -> Any:
    """A plausible value for a path variable: an id that exists in the demo, an allowed word."""
    converter = rule._converters[name]
    kind = type(converter).__name__
    if kind == "IntegerConverter":
        return 1
    if kind == "AnyConverter":
        return min(converter.items)
    return "takedown" if name == "slug" else "x"


def _rules(app: Flask) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


@pytest.fixture()
def clients(app: Flask, login_as: Any) -> dict[str, Client]:
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    app.config["RATELIMIT_ENABLED"] = False
    limiter.enabled = False
    app.test_client_class = Client
    volunteer = db.session.query(Volunteer).filter(Volunteer.email.isnot(None)).order_by(Volunteer.id).first()
    assert volunteer is not None
    return {
        "stranger": app.test_client(),  # type: ignore[dict-item]
        "volunteer": volunteer_client(app, volunteer),  # type: ignore[dict-item]
        "admin": login_as(*Role),
    }


def _build(app: Flask, rule: Rule, nul_in: str | None) -> str:
    values = {name: (NUL if name == nul_in else _value(rule, name)) for name in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_nul_in_every_path_variable_is_refused_cleanly(app, clients):
    """GET with a NUL in each path variable of each route: a clear 4xx, never a 5xx."""
    failures: list[tuple[str, str, int]] = []
    for rule in _rules(app):
        textual = {"UnicodeConverter", "PathConverter"}
        strings = [n for n in rule.arguments if type(rule._converters[n]).__name__ in textual]
        for name in strings:
            url = _build(app, rule, name)
            for who, client in clients.items():
                for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                    response = client.open(url, method=method, data={} if method == "POST" else None)
                    if response.status_code >= 500:
                        failures.append((who, f"{method} {url}", response.status_code))
    assert not failures, failures
    # The finding's own addresses, spelled as a visitor would.
    for path in ("/petitions/%00", "/petitions/%00.json", "/petitions/%00/thanks", "/petitions/%00/poster.png"):
        response = clients["stranger"].get(path)
        assert response.status_code == 400, path


def test_files_in_every_field_of_every_form_are_refused_cleanly(app, clients):
    """A multipart POST with a file in every field, to every route that takes POST: never a 5xx,
    and a public form answers with a message saying a file was not expected."""
    names = _field_names()
    assert {"email", "name", "nickname", "comment"} <= names
    failures: list[tuple[str, str, int]] = []
    for rule in _rules(app):
        if "POST" not in (rule.methods or set()):
            continue
        url = _build(app, rule, None)
        for who, client in clients.items():
            data: dict[str, Any] = {name: (io.BytesIO(b"=cmd|' /C calc'!A0\x00\xff"), "a.csv") for name in names}
            data["csrf_token"] = client.csrf_token()
            response = client.post(url, data=data, content_type="multipart/form-data")
            if response.status_code >= 500:
                failures.append((who, url, response.status_code))
    assert not failures, failures
    page = clients["stranger"].post("/subscribe?lang=en", data={
        "email": (io.BytesIO(b"x"), "a.txt"), "csrf_token": clients["stranger"].csrf_token()},
        content_type="multipart/form-data")
    assert page.status_code == 400 and "expects text" in page.get_data(as_text=True)
