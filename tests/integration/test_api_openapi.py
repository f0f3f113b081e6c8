"""The OpenAPI document is valid, and generated requests (schemathesis over Hypothesis, valid and
invalid ones) against a real server never get a 500."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.generation import GenerationMode
from schemathesis.openapi import from_dict

from campaign.api import keys
from campaign.auth.models import Role
from tests.api_support import call, serving
from tests.petitions_support import make_petition

ALL_SCOPES = ("petitions:read", "signatures:read", "signatures:write", "signatures:import",
              "people:read", "newsletters:read", "events:read", "rsvps:read")


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


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_never_get_a_500(app, make_user, mode):
    """Every operation, fed schemathesis' generated requests (a bounded number), answers < 500 in JSON."""
    app.config["API_RATE_PER_MINUTE"] = 100_000
    admin = make_user(Role.ADMIN)
    petition = make_petition()
    _key, token = keys.create("fuzz", ALL_SCOPES, None, admin)
    with serving(app) as base:
        document = call("GET", f"{base}/api/v1/openapi.json")[2]
        schema = from_dict(document)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 10
        strategy = st.one_of([op.as_strategy(generation_mode=mode) for op in operations])

        @settings(max_examples=100, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def probe(case):
            ident = (case.path_parameters or {}).get("petition_id")
            if isinstance(ident, int) and ident % 2:
                case.path_parameters["petition_id"] = petition.id  # reach a real petition half the time
            response = case.call(base_url=base, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
            assert response.headers.get("content-type", [""])[0].startswith("application/json"), (
                case.method, case.formatted_path, response.status_code, dict(response.headers))

        probe()
