"""The API used as a partner uses it: plain HTTP against a real server, a key an admin made,
counts read, signatures created, and a signed webhook received on loopback and verified."""
from __future__ import annotations

from urllib.parse import urlsplit

from campaign.api import hooks
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.petitions.models import Petition
from campaign.worker import run_once
from tests.api_support import call, confirm_in_browser, make_key, receiver, serving
from tests.conftest import Inbox
from tests.petitions_support import make_petition, send_mail


def _hooks(app) -> None:
    """What the worker's HOOKS lane does when woken: fan happenings out, then deliver."""
    run_once(app, {"api.fan_out", "api.deliver"})


def test_partner_reads_counts_creates_signatures_and_receives_a_verified_webhook(app, make_user, inbox):
    """Done-when of issue 19: key, counts, signatures (counted only after mail confirmation, or at
    once with the import scope), and a webhook whose HMAC signature the receiver verifies."""
    app.config["API_WEBHOOK_ALLOW_PRIVATE"] = True  # the receiver is on loopback
    admin = make_user(Role.ADMIN)
    petition = make_petition()
    petition_id = petition.id
    token = make_key(admin, "petitions:read", "signatures:write")
    importer = make_key(admin, "petitions:read", "signatures:write", "signatures:import")
    with receiver() as box, serving(app) as base:
        hook, secret = hooks.create(box.url, ["signature.confirmed"], ["petitions:read"], admin)
        box.secret = secret

        status, _h, body = call("GET", f"{base}/api/v1/petitions", token)
        assert status == 200
        assert [(p["id"], p["signature_count"]) for p in body["items"]] == [(petition_id, 0)]

        status, headers, body = call("POST", f"{base}/api/v1/petitions/{petition_id}/signatures", token,
                                     {"email": "mei@example.org", "name": "Mei Chen", "region": "上海"})
        assert status == 202 and body["status"] == "pending"
        assert not any(k.lower() == "set-cookie" for k in headers)
        # Pending: not counted until the signer confirms from the mail.
        assert call("GET", f"{base}/api/v1/petitions/{petition_id}", token)[2]["signature_count"] == 0

        send_mail(app)
        links = Inbox.links(inbox.last_to("mei@example.org"))
        confirm = next(urlsplit(link).path for link in links if "/petition-confirm/" in link)
        confirm_in_browser(base + confirm)  # the signer opens the link and presses the button
        assert call("GET", f"{base}/api/v1/petitions/{petition_id}", token)[2]["signature_count"] == 1

        _hooks(app)
        assert len(box.got) == 1
        got = box.got[0]
        assert got.verified, "the receiver could not verify the signature"
        assert got.json["type"] == "signature.confirmed"
        assert got.json["data"]["petition"] == {"id": petition_id, "slug": "takedown", "signature_count": 1}
        # The webhook holds petitions:read only: no name or address in its payload.
        assert "mei@example.org" not in got.body.decode()

        # A trusted import counts at once, and its confirmation is announced too.
        status, _h, body = call("POST", f"{base}/api/v1/petitions/{petition_id}/signatures", importer,
                                {"email": "lin@example.org", "name": "Lin", "confirmed": True})
        assert status == 201 and body["status"] == "confirmed"
        assert call("GET", f"{base}/api/v1/petitions/{petition_id}", token)[2]["signature_count"] == 2
        assert inbox.to("lin@example.org") == []
        _hooks(app)
        assert len(box.got) == 2 and box.got[1].verified
        assert box.got[1].json["data"]["petition"]["signature_count"] == 2

        # Without the import scope, asking for a confirmed signature is refused in JSON.
        status, _h, body = call("POST", f"{base}/api/v1/petitions/{petition_id}/signatures", token,
                                {"email": "x@example.org", "name": "X", "confirmed": True})
        assert status == 422 and body["code"] == 422 and "signatures:import" in body["message"]
    db.session.rollback()
    assert db.session.get(Petition, petition_id).signature_count == 2
