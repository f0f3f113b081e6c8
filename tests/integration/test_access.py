"""Every endpoint declares who may use it, and the declaration is enforced for each of them."""
from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import Rule

from campaign.access import declared
from campaign.auth.models import Role


def _url(rule: Rule) -> str:
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]  # noqa: SLF001 (the only way to learn the type)
        kind = type(converter).__name__
        if kind == "IntegerConverter":
            values[arg] = 1
        elif kind == "AnyConverter":
            values[arg] = sorted(converter.items)[0]
        else:
            values[arg] = "x"
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def _rules(app: Flask) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def test_every_endpoint_declares_its_access(app: Flask):
    """A view without @public or a role declaration would be refused; none may be left undeclared."""
    missing = [r.endpoint for r in _rules(app) if declared(app.view_functions[r.endpoint]) is None]
    assert missing == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_visitors_are_refused_everywhere_not_public(app: Flask, client, method: str):
    """Anonymous visitors reach no staff or members' page, whatever the method."""
    reached = []
    for rule in _rules(app):
        access = declared(app.view_functions[rule.endpoint])
        if access.kind == "public" or method not in (rule.methods or ()):
            continue
        response = client.open(_url(rule), method=method, data={})
        if response.status_code < 300 or (
            response.status_code in (301, 302, 303) and "/login" not in response.location and access.kind == "staff"
        ):
            reached.append((rule.endpoint, response.status_code))
    assert reached == []


def test_staff_without_the_role_are_refused(app: Flask, login_as):
    """Staff holding none of a view's roles get 403 (or 404 where existence is hidden)."""
    allowed_through = []
    for rule in _rules(app):
        access = declared(app.view_functions[rule.endpoint])
        if access.kind != "staff" or not access.roles:
            continue
        other_roles = [r for r in Role if r not in access.roles]
        if not other_roles:
            continue
        client = login_as(*other_roles)
        method = "GET" if "GET" in (rule.methods or ()) else "POST"
        response = client.open(_url(rule), method=method, data={})
        expected = 404 if access.hide else 403
        if response.status_code != expected:
            allowed_through.append((rule.endpoint, response.status_code))
    assert allowed_through == []


def test_undeclared_view_is_refused(make_app):
    """Fail closed: a route added without an access declaration answers 403 to everyone."""
    app = make_app()

    @app.route("/undeclared")
    def undeclared() -> str:
        return "secret"

    assert app.test_client().get("/undeclared").status_code == 403
