"""Only caseworkers learn anything about help requests; everyone else gets 404 everywhere."""
import pytest
from flask import current_app

from campaign.access import declared
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.intake import services as intake
from campaign.intake.takedowns import services as tracker
from tests.integration.intake_fixtures import caseworker_client, intake_key, submit_help  # noqa: F401

PUBLIC_ENDPOINTS = {
    "intake.help",
    "intake.status",
    "intake.status_reply",
    "intake.status_delete",
    "intake.receipt",  # shows back the code the visitor posts (printable page, language switch)
    "takedowns.monitoring",
}


def _protected_routes(ids):
    """Every (method, url) of the intake and takedown blueprints that is not public."""
    routes = []
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith(("intake.", "takedowns.")):
            continue
        access = declared(current_app.view_functions[rule.endpoint])
        assert access is not None, rule.endpoint
        if access.kind == "public":
            assert rule.endpoint in PUBLIC_ENDPOINTS
            continue
        assert access.kind == "staff" and access.roles == {Role.CASEWORKER} and access.hide, rule.endpoint
        url = rule.build({name: ids[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return routes


@pytest.fixture()
def existing(app, client, intake_key):
    """A real request and takedown report, so a 404 is not simply 'no such row'."""
    submit_help(client, where="t.me/somewhere")
    req = intake.queue()[0]
    row = tracker.create(
        intake.keyring(), tracker.Entry("telegram", "partner", "t.me/x", req.received_week), None, req.id
    )
    return {"request_id": req.id, "takedown_id": row.id}


@pytest.mark.parametrize("roles", [(Role.ORGANISER,), (Role.ADMIN,), (Role.ADMIN, Role.ORGANISER), None])
def test_everyone_but_caseworkers_gets_404_on_every_route(app, login_as, existing, roles):
    """Organisers, admins and strangers cannot even learn that an intake page or a case exists."""
    client = login_as(*roles) if roles else app.test_client()
    routes = _protected_routes(existing)
    assert len(routes) >= 10
    for method, url in routes:
        response = client.open(url, method=method, data={})
        assert response.status_code == 404, (method, url, response.status_code)


def test_caseworkers_reach_the_same_routes(app, caseworker_client, existing):
    """The 404s above come from the role check: a caseworker opens the same pages."""
    client = caseworker_client(unlocked=True)
    for method, url in _protected_routes(existing):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_staff_pages_show_no_trace_of_requests(app, login_as, caseworker_client, existing):
    """The staff start page offers the queue to caseworkers only, and shows no counts to others."""
    organiser = login_as(Role.ORGANISER, Role.ADMIN)
    page = organiser.get("/staff").text
    assert "/cases" not in page and "/takedowns" not in page
    assert "/cases" in caseworker_client(unlocked=False).get("/staff").text
    db.session.remove()
