"""Webhooks: transactional events, scoped payloads, retries with back-off, one failing receiver
not holding back others, refused addresses, and the admins' pages (keys, webhooks, log, test)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from campaign import happenings
from campaign.api import hooks
from campaign.api.models import ApiKey, Delivery, DeliveryStatus, Webhook
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.happenings import Happening
from campaign.newsletter import services as newsletter
from campaign.newsletter.models import Subscriber, SubscriberStatus
from campaign.timeutil import utcnow
from campaign.worker import run_once
from tests.api_support import receiver


@pytest.fixture()
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture(autouse=True)
def _loopback(app):
    app.config["API_WEBHOOK_ALLOW_PRIVATE"] = True


def _run(app) -> None:
    run_once(app, {"api.fan_out", "api.deliver"})


def _subscriber(email: str = "amy@example.org") -> Subscriber:
    found = Subscriber(email=email, name="Amy", status=SubscriberStatus.PENDING.value)
    db.session.add(found)
    db.session.commit()
    return found


def test_a_happening_exists_only_if_its_change_commits(app):
    """Recorded in the change's transaction: a rollback leaves no event to announce."""
    happenings.record(happenings.SUBSCRIBER_JOINED, "subscriber", 1)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(Happening.id))) == 0
    happenings.record(happenings.SUBSCRIBER_JOINED, "subscriber", 1)
    db.session.commit()
    assert db.session.scalar(select(db.func.count(Happening.id))) == 1


def test_subscriber_events_carry_personal_fields_only_with_people_read(app, admin):
    """A join announced to two webhooks: the one holding people:read gets the address; the other,
    which asked for the event without the scope, gets nothing sent at all."""
    with receiver() as full, receiver() as bare:
        _h1, full.secret = hooks.create(full.url, ["subscriber.joined", "subscriber.left"], ["people:read"], admin)
        _h2, bare.secret = hooks.create(bare.url, ["subscriber.joined"], [], admin)
        sub = _subscriber()
        newsletter.subscribe_confirmed(sub.email, "Amy", "en", source="form")
        db.session.commit()
        _run(app)
        assert len(full.got) == 1 and full.got[0].verified
        assert full.got[0].json["data"]["subscriber"]["email"] == "amy@example.org"
        assert bare.got == []
        bare_delivery = db.session.scalar(select(Delivery).where(Delivery.webhook_id == _h2.id))
        assert bare_delivery.status == DeliveryStatus.FAILED.value and "scope" in bare_delivery.last_error

        sub = db.session.get(Subscriber, sub.id)
        sub.status = SubscriberStatus.UNSUBSCRIBED.value
        happenings.record(happenings.SUBSCRIBER_LEFT, "subscriber", sub.id)
        db.session.commit()
        _run(app)
        assert full.got[-1].json["type"] == "subscriber.left"
        assert full.got[-1].json["data"] == {"subscriber": {"id": sub.id}}


def test_failing_receiver_is_retried_with_back_off_and_does_not_block_others(app, admin):
    """A receiver answering 500 is tried again later, each wait twice the last; a healthy
    receiver gets its delivery in the same run."""
    with receiver() as down, receiver() as up:
        down.answer = 500
        bad, down.secret = hooks.create(down.url, ["subscriber.joined"], ["people:read"], admin)
        _good, up.secret = hooks.create(up.url, ["subscriber.joined"], ["people:read"], admin)
        sub = _subscriber()
        newsletter.subscribe_confirmed(sub.email, "Amy", "en", source="form")
        db.session.commit()
        _run(app)
        assert len(up.got) == 1 and len(down.got) == 1
        failing = db.session.scalar(select(Delivery).where(Delivery.webhook_id == bad.id))
        assert (failing.status, failing.attempts, failing.last_code) == ("pending", 1, 500)
        first_wait = failing.next_attempt_at - utcnow()
        assert timedelta(seconds=50) < first_wait <= timedelta(seconds=60)

        _run(app)  # not due yet: nothing is sent again
        assert len(down.got) == 1
        db.session.execute(update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        _run(app)
        db.session.rollback()
        failing = db.session.get(Delivery, failing.id)
        assert len(down.got) == 2 and failing.attempts == 2
        assert timedelta(seconds=110) < failing.next_attempt_at - utcnow() <= timedelta(seconds=120)
        assert len(up.got) == 1  # delivered once, never repeated

        down.answer = 204
        db.session.execute(update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        _run(app)
        db.session.rollback()
        assert db.session.get(Delivery, failing.id).status == "delivered"
        assert down.got[-1].json["id"] == down.got[0].json["id"]  # the same event, for de-duplication


def test_unreachable_receiver_gives_up_after_the_last_attempt(app, admin):
    """Connection refused counts as a failed attempt; after MAX_ATTEMPTS the delivery fails."""
    with receiver() as gone:
        url = gone.url
    hook, _secret = hooks.create(url, ["subscriber.joined"], ["people:read"], admin)
    sub = _subscriber()
    newsletter.subscribe_confirmed(sub.email, "Amy", "en", source="form")
    db.session.commit()
    for _ in range(hooks.MAX_ATTEMPTS):
        db.session.execute(update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        _run(app)
        db.session.rollback()
    delivery = db.session.scalar(select(Delivery).where(Delivery.webhook_id == hook.id))
    assert (delivery.status, delivery.attempts, delivery.last_code) == ("failed", hooks.MAX_ATTEMPTS, None)


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "file:///etc/passwd", "javascript:alert(1)",
                                 "http://user:pw@example.org/", "http:///nohost"])
def test_webhook_urls_must_be_http_or_https(app, admin, url):
    with pytest.raises(hooks.UnsafeAddress):
        hooks.create(url, ["subscriber.joined"], [], admin)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.0.0.5/", "http://[::1]/",
                                 "http://169.254.169.254/latest/meta-data", "http://localhost/"])
def test_private_targets_are_refused_unless_the_setting_allows_them(app, admin, url):
    """Loopback, private and link-local receivers need API_WEBHOOK_ALLOW_PRIVATE."""
    app.config["API_WEBHOOK_ALLOW_PRIVATE"] = False
    with pytest.raises(hooks.UnsafeAddress):
        hooks.create(url, ["subscriber.joined"], [], admin)
    app.config["API_WEBHOOK_ALLOW_PRIVATE"] = True
    hooks.create(url, ["subscriber.joined"], [], admin)


def test_admin_makes_a_key_sees_it_once_and_revokes_it(app, login_as):
    """The key page shows the token once; the list shows only its prefix; revoking stops it."""
    admin = login_as(Role.ADMIN)
    page = admin.post("/staff/api/keys?lang=en", data={"name": "Coalition sheet", "scopes": ["petitions:read"]})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    token = text.split('id="api-token" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert token.startswith("cmp_")
    listing = admin.get("/staff/api/keys?lang=en").get_data(as_text=True)
    assert "Coalition sheet" in listing and token not in listing
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/petitions", headers=headers).status_code == 200
    key = db.session.scalar(select(ApiKey))
    assert admin.post(f"/staff/api/keys/{key.id}/revoke", data={}).status_code == 302
    assert app.test_client().get("/api/v1/petitions", headers=headers).status_code == 401


def test_key_and_webhook_forms_keep_input_and_explain_errors(app, login_as):
    """No scope chosen, or a refused URL: the form says why and keeps what was typed."""
    admin = login_as(Role.ADMIN)
    page = admin.post("/staff/api/keys?lang=en", data={"name": "Sheet"}).get_data(as_text=True)
    assert 'value="Sheet"' in page and "This field is required" in page
    app.config["API_WEBHOOK_ALLOW_PRIVATE"] = False
    page = admin.post("/staff/api/webhooks?lang=en", data={
        "url": "http://127.0.0.1:1/hook", "events": ["subscriber.joined"]}).get_data(as_text=True)
    assert "private or local network" in page and 'value="http://127.0.0.1:1/hook"' in page
    assert db.session.scalar(select(db.func.count(Webhook.id))) == 0


def test_staff_other_than_admins_cannot_reach_the_api_pages(app, login_as):
    organiser = login_as(Role.ORGANISER)
    for path in ("/staff/api/keys", "/staff/api/webhooks"):
        assert organiser.get(path).status_code == 403


def test_send_a_test_delivers_a_signed_ping_listed_in_the_log(app, login_as):
    """The log page's button queues a ping; the worker sends it signed; the log shows it delivered."""
    admin = login_as(Role.ADMIN)
    with receiver() as box:
        page = admin.post("/staff/api/webhooks?lang=en", data={
            "url": box.url, "events": ["signature.confirmed"], "scopes": ["petitions:read"]})
        text = page.get_data(as_text=True)
        box.secret = text.split('id="hook-secret" type="text" readonly value="', 1)[1].split('"', 1)[0]
        hook = db.session.scalar(select(Webhook))
        assert admin.post(f"/staff/api/webhooks/{hook.id}/test", data={}).status_code == 302
        _run(app)
        assert len(box.got) == 1 and box.got[0].verified and box.got[0].json["type"] == "ping"
    log = admin.get(f"/staff/api/webhooks/{hook.id}?lang=en").get_data(as_text=True)
    assert "delivered" in log and "200" in log


def test_volunteer_events_name_only_volunteers_who_agreed_to_be_contacted(app, admin):
    """volunteer.confirmed carries the volunteer's profile only if they agreed to be contacted and
    staff have not blocked them; otherwise nothing is sent."""
    from campaign.volunteers.models import Volunteer

    with receiver() as box:
        _hook, box.secret = hooks.create(box.url, ["volunteer.confirmed"], ["people:read"], admin)
        now = utcnow()
        yes = Volunteer(email="yes@example.org", nickname="Yes", consent_contact=True, confirmed_at=now)
        no = Volunteer(email="no@example.org", nickname="No", consent_contact=False, confirmed_at=now)
        blocked = Volunteer(email="blocked@example.org", nickname="B", consent_contact=True, confirmed_at=now,
                            status="blocked")
        db.session.add_all([yes, no, blocked])
        db.session.flush()
        for volunteer in (yes, no, blocked):
            happenings.record(happenings.VOLUNTEER_CONFIRMED, "volunteer", volunteer.id)
        db.session.commit()
        _run(app)
        assert [r.json["data"]["volunteer"]["email"] for r in box.got] == ["yes@example.org"]
        assert all(r.verified for r in box.got)


def test_a_webhook_without_an_events_scope_is_sent_nothing_of_it(app, admin):
    """signature.confirmed needs petitions:read (as the /api/v1/ page says): a webhook that asked
    for the event without the scope gets no delivery at all, not even the petition's count; the log
    says why. The one holding the scope gets the count and no signer."""
    from campaign.petitions import services as petitions
    from tests.petitions_support import make_petition

    petition = make_petition()
    with receiver() as bare, receiver() as counts:
        bare_hook, bare.secret = hooks.create(bare.url, ["signature.confirmed"], ["people:read"], admin)
        _hook, counts.secret = hooks.create(counts.url, ["signature.confirmed"], ["petitions:read"], admin)
        ident = petitions.sign(petition.slug, email="mei@example.org", name="Mei", region="", comment="",
                               display="initials", newsletter=False, locale="en", src="", send_mail=False)
        from campaign.petitions.models import Signature

        petitions.confirm(db.session.get(Signature, ident))
        _run(app)
        assert bare.got == []
        logged = db.session.scalar(select(Delivery).where(Delivery.webhook_id == bare_hook.id))
        assert logged.status == DeliveryStatus.FAILED.value and "scope" in logged.last_error
        assert len(counts.got) == 1 and counts.got[0].verified
        assert counts.got[0].json["data"]["petition"]["signature_count"] == 1
        assert "mei@example.org" not in counts.got[0].body.decode()
