"""The OpenAPI document is valid, and generated requests (schemathesis over Hypothesis, valid and
invalid ones) against a real server never get a 500, and get answers the document describes."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode
from schemathesis.openapi import from_dict

from campaign.api import keys
from campaign.auth.models import Role
from tests.api_support import call, serving
from tests.petitions_support import make_petition

ALL_SCOPES = ("petitions:read", "signatures:read", "signatures:write", "signatures:import",
              "people:read", "newsletters:read", "events:read", "rsvps:read")
# Every operation of the API: a new one must be added here, and so is fuzzed.
ENDPOINTS = {
    ("GET", "/api/v1/petitions"), ("GET", "/api/v1/petitions/{petition_id}"),
    ("GET", "/api/v1/petitions/{petition_id}/signatures"), ("POST", "/api/v1/petitions/{petition_id}/signatures"),
    ("GET", "/api/v1/people/subscribers"), ("GET", "/api/v1/people/volunteers"), ("GET", "/api/v1/newsletters"),
    ("GET", "/api/v1/events"), ("GET", "/api/v1/events/{event_id}"), ("GET", "/api/v1/events/{event_id}/rsvps"),
}


def test_openapi_document_is_valid_and_lists_every_resource(client):
    """openapi-spec-validator accepts the document; it names each resource and the bearer scheme."""
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert {"/api/v1/petitions", "/api/v1/petitions/{petition_id}/signatures", "/api/v1/people/subscribers",
            "/api/v1/people/volunteers", "/api/v1/newsletters"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_human_page_lists_the_endpoints_with_their_scopes(client):
    """/api/v1/ is a page of ours (no third-party viewer) listing each endpoint and scope."""
    page = client.get("/api/v1/?lang=en").get_data(as_text=True)
    assert "/api/v1/people/subscribers" in page and "people:read" in page
    assert "X-Campaign-Signature" in page
    assert 'src="http' not in page and 'href="https://' not in page  # nothing loads from elsewhere


def _one_of_each() -> dict[str, int]:
    """A record behind every list and path, so generated requests reach real items (whose answers
    are then checked against the document) as well as missing ones."""
    from campaign.events.models import Rsvp
    from campaign.extensions import db
    from campaign.newsletter.models import Issue, Subscriber
    from campaign.petitions.models import Signature
    from campaign.timeutil import utcnow
    from campaign.volunteers.models import Volunteer
    from tests.integration.test_events import make_event

    now = utcnow()
    petition = make_petition()
    event = make_event(capacity=5)
    db.session.add_all([
        Signature(petition_id=petition.id, email="mei@example.org", name="Mei", status="confirmed", confirmed_at=now),
        Subscriber(email="lin@example.org", name="Lin", status="confirmed", confirmed_at=now, topics="news"),
        Volunteer(email="owl@example.org", nickname="Owl", consent_contact=True, confirmed_at=now,
                  languages="zh,en", skills="design"),
        Issue(subject={"zh_Hans": "第一期", "en": "Issue one"}, body={"zh_Hans": "正文"}, status="sent",
              published=True, finished_at=now),
        Rsvp(event_id=event.id, email="lu@example.org", nickname="小陆", status="confirmed", code="AB12CD34",
             confirmed_at=now),
    ])
    db.session.commit()
    return {"petition_id": petition.id, "event_id": event.id}


# Not negative_data_rejection: a generated "invalid" request is not always sent as generated (an
# extra query parameter whose value is an empty list is dropped; the key header is always added),
# so it reports valid requests that were rightly answered.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_never_get_a_500(app, make_user, mode):
    """Every operation, reads and the signature write, with a key holding every scope, fed its own
    generated requests (a bounded number each): never a 500, always JSON, a status and a body the
    document describes."""
    app.config["API_RATE_PER_MINUTE"] = 100_000
    admin = make_user(Role.ADMIN)
    real = _one_of_each()
    _key, token = keys.create("fuzz", ALL_SCOPES, None, admin)
    with serving(app) as base:
        document = call("GET", f"{base}/api/v1/openapi.json")[2]
        schema = from_dict(document)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {(op.method.upper(), op.path) for op in operations} == ENDPOINTS
        for operation in operations:

            @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def probe(case):
                # Valid requests reach the real petition and event half the time (an invalid one keeps
                # its invalid id, which must be refused).
                for name, ident in (case.path_parameters or {}).items():
                    if mode == GenerationMode.POSITIVE and isinstance(ident, int) and ident % 2:
                        case.path_parameters[name] = real[name]
                case.call_and_validate(base_url=base, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

            probe()
