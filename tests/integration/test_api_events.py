"""Events through the API: public events with their counts (never the exact place, never a
confidential group's), replies under their own personal scope (never the answers to the organiser's
questions), and a signed webhook when someone confirms a reply or cancels it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.api import hooks, keys
from campaign.audit.models import AuditEvent
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.worker import run_once
from tests.api_support import receiver
from tests.integration.test_events import make_event, reply_and_confirm
from tests.integration.volunteer_factories import add_member, make_group, make_volunteer, volunteer_client


@pytest.fixture()
def admin(make_user):
    return make_user(Role.ADMIN)


def _get(client, path, tok):
    return client.get(path, headers={"Authorization": f"Bearer {tok}"})


def test_events_are_listed_without_their_place_or_confidential_groups(app, client, inbox, admin):
    public = make_event(capacity=5)
    make_event(group_id=make_group(confidential=True).id, title={"zh_Hans": "幸存者小组聚会"})
    reply_and_confirm(client, inbox, public, "lu@example.org")
    tok = keys.create("partner", ["events:read"], None, admin)[1]

    listed = _get(client, "/api/v1/events", tok)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    items = listed.get_json()["items"]
    assert [item["id"] for item in items] == [public.id]
    assert items[0]["confirmed_count"] == 1 and items[0]["area"]["zh_Hans"] == "上海·徐汇"
    assert "徐汇区某路" not in listed.get_data(as_text=True)  # the exact place goes to attendees only
    assert _get(client, f"/api/v1/events/{public.id}", tok).get_json()["rsvp_count"] == 1

    # Replies are personal: their own scope.
    refused = _get(client, f"/api/v1/events/{public.id}/rsvps", tok)
    assert refused.status_code == 403 and refused.mimetype == "application/json"


def test_replies_carry_nickname_and_address_but_never_the_answers(app, client, inbox, admin):
    event = make_event(capacity=5)
    reply_and_confirm(client, inbox, event, "lu@example.org", nickname="小陆")
    tok = keys.create("partner", ["rsvps:read"], None, admin)[1]
    response = _get(client, f"/api/v1/events/{event.id}/rsvps", tok)
    assert response.status_code == 200
    (item,) = response.get_json()["items"]
    assert item["nickname"] == "小陆" and item["email"] == "lu@example.org" and item["status"] == "confirmed"
    assert "轮椅" not in response.get_data(as_text=True)  # the access needs stay with the organisers
    logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.personal_data")).all()
    assert any(f"event {event.id} replies read: 1" in (e.detail or "") for e in logged)


def test_a_confirmed_and_a_cancelled_reply_reach_a_webhook_signed(app, client, inbox, admin):
    app.config["API_WEBHOOK_ALLOW_PRIVATE"] = True
    event = make_event(capacity=5)
    with receiver() as got:
        _hook, got.secret = hooks.create(got.url, ["rsvp.confirmed", "rsvp.cancelled"],
                                         ["events:read", "rsvps:read"], admin)
        own_page = reply_and_confirm(client, inbox, event, "lu@example.org", nickname="小陆")
        run_once(app, {"api.fan_out", "api.deliver"})
        assert len(got.got) == 1 and got.got[0].verified
        data = got.got[0].json["data"]
        assert data["event"]["id"] == event.id and data["rsvp"]["nickname"] == "小陆"

        assert client.post(own_page.split("127.0.0.1:5000")[-1] + "/cancel", data={}).status_code == 303
        run_once(app, {"api.fan_out", "api.deliver"})
        assert len(got.got) == 2 and got.got[1].verified
        assert got.got[1].json["data"] == {"rsvp": {"id": data["rsvp"]["id"]}}


def test_replies_to_a_confidential_groups_event_reach_no_webhook(app, inbox, admin):
    app.config["API_WEBHOOK_ALLOW_PRIVATE"] = True
    secret = make_group(confidential=True)
    event = make_event(capacity=5, group_id=secret.id)
    member = make_volunteer(vetted=True)
    add_member(secret, member)
    client = volunteer_client(app, member)
    with receiver() as got:
        _hook, got.secret = hooks.create(got.url, ["rsvp.confirmed", "rsvp.cancelled"],
                                         ["events:read", "rsvps:read"], admin)
        own_page = reply_and_confirm(client, inbox, event, "lu@example.org", nickname="小陆")
        assert client.post(own_page.split("127.0.0.1:5000")[-1] + "/cancel", data={}).status_code == 303
        run_once(app, {"api.fan_out", "api.deliver"})
        # Not even the id of the cancelled reply: the partner must not learn the event has replies.
        assert got.got == []
