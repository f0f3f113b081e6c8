"""One unsendable row never stops a queue, and addresses the mail path cannot carry are refused
at the door (or delivered with SMTPUTF8 when the server offers it)."""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.mail import services as mail
from campaign.mail.models import QueuedMail
from campaign.newsletter.models import OutboxRow, Subscriber
from campaign.petitions import services as petitions
from campaign.petitions.models import Signature
from campaign.timeutil import utcnow
from campaign.volunteers.models import Volunteer
from tests.conftest import Client, Inbox, deliver_now, free_port
from tests.integration.newsletter_helpers import start_issue
from tests.petitions_support import make_petition, send_mail, sign

UNSENDABLE = ["josé@example.org", "用户@example.org"]


def _server(utf8: bool) -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, enable_SMTPUTF8=utf8)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture()
def utf8_server() -> Iterator[tuple[Inbox, int]]:
    """A loopback SMTP server that offers SMTPUTF8."""
    yield from _server(True)


@pytest.fixture()
def ascii_server() -> Iterator[tuple[Inbox, int]]:
    """A loopback SMTP server that does not offer SMTPUTF8 (many do not)."""
    yield from _server(False)


def _no_address_in(text: str) -> None:
    for address in UNSENDABLE:
        assert address not in text and address.split("@")[0] not in text


def test_a_poison_mail_fails_alone_and_the_rest_go_out(make_app, app, ascii_server, caplog):
    """A queued mail to an address the server cannot take (no SMTPUTF8) is marked failed with its
    reason (no address in it or in the logs); the mails around it are delivered."""
    caplog.set_level(logging.DEBUG)
    inbox, port = ascii_server
    app = make_app(MAIL_PORT=port)
    before = mail.queue(mail.build_message("first@example.org", "Hi", "text", "<p>html</p>"))
    poison = QueuedMail(recipient=UNSENDABLE[1], message=b"Subject: x\r\n\r\nbody\r\n", next_attempt_at=utcnow())
    db.session.add(poison)
    db.session.flush()
    after = mail.queue(mail.build_message("last@example.org", "Hi", "text", "<p>html</p>"))
    db.session.commit()
    ids = (before.id, poison.id, after.id)

    assert deliver_now(app) == 3
    db.session.expire_all()
    assert [rcpt for _sender, rcpt in inbox.envelopes] == [["first@example.org"], ["last@example.org"]]
    rows = {row.id: row for row in db.session.scalars(select(QueuedMail).where(QueuedMail.id.in_(ids)))}
    assert set(rows) == {poison.id}  # delivered rows are gone; the failed one is kept, emptied
    failed = rows[poison.id]
    assert failed.failed_at is not None and "SMTPUTF8" in failed.last_error
    assert failed.recipient == "" and failed.message == b""
    _no_address_in(failed.last_error)
    _no_address_in(caplog.text)
    assert deliver_now(app) == 0  # it is not tried again


def test_a_refused_mail_is_failed_with_its_reason_without_the_address(app, inbox: Inbox, caplog):
    """A 5xx answer fails that mail for good; the reason is kept with any address blanked."""
    caplog.set_level(logging.DEBUG)
    inbox.refuse_with = "550 5.1.1 <gone@example.org>: no such mailbox"
    row = mail.queue(mail.build_message("gone@example.org", "Hi", "text", "<p>html</p>"))
    db.session.commit()
    deliver_now(app)
    db.session.expire_all()
    kept = db.session.get(QueuedMail, row.id)
    assert kept.failed_at is not None and "550" in kept.last_error
    # The app's log lines, not those of the test's own SMTP server (aiosmtpd logs as "mail.log").
    app_log = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    assert "gone@example.org" not in kept.last_error and "gone@example.org" not in app_log


def test_one_unsendable_signature_does_not_stop_later_confirmations(app, client, inbox: Inbox, caplog):
    """A signature whose mail cannot be built (stored before the form refused such addresses) is
    marked with its reason; every later signer still gets a confirmation mail and can confirm."""
    caplog.set_level(logging.DEBUG)
    make_petition()
    poison_id = petitions.sign("takedown", email=UNSENDABLE[0], name="José", region="", comment="",
                               display="full", newsletter=False, locale="en", src="")
    assert sign(client, email="later@example.org").status_code == 303
    assert send_mail(app) == 1
    assert inbox.last_to("later@example.org")
    db.session.expire_all()
    poison = db.session.get(Signature, poison_id)
    assert poison.mail_due is False and poison.mail_error.startswith("unsendable")
    _no_address_in(poison.mail_error)
    _no_address_in(caplog.text)
    assert send_mail(app) == 0  # not retried forever


def test_a_poison_newsletter_row_bounces_alone(make_app, app, make_user, caplog):
    """An outbox row to an unsendable address fails with its reason (no address in it); the
    rows around it are sent and the issue finishes."""
    from tests.integration.newsletter_helpers import counting_sink
    from tests.integration.test_newsletter_dispatch import FAST, _drain

    caplog.set_level(logging.DEBUG)
    with counting_sink() as (sink, port):
        sender = make_app(MAIL_PORT=port, **FAST)
        db.session.add_all([
            Subscriber(email="one@example.org", name="一", status="confirmed", locale="zh"),
            Subscriber(email=UNSENDABLE[1], name="二", status="confirmed", locale="zh"),
            Subscriber(email="three@example.org", name="三", status="confirmed", locale="zh"),
        ])
        db.session.commit()
        issue = _drain(sender, start_issue(make_user(Role.ORGANISER)))
    assert issue.status == "sent"
    assert sorted(sink.counts) == ["one@example.org", "three@example.org"]
    poison = db.session.scalar(select(OutboxRow).where(OutboxRow.email == UNSENDABLE[1]))
    assert poison.status == "failed" and poison.answer
    _no_address_in(poison.answer)
    _no_address_in(caplog.text)


@pytest.mark.parametrize("address", UNSENDABLE)
def test_public_forms_refuse_addresses_the_mail_server_cannot_take(client, address):
    """Sign, subscribe, volunteer sign-up and sign-in, and my-data answer such an address with a
    clear message in the visitor's language, store nothing, and never fail with a 500."""
    make_petition()
    posts = {
        "/petitions/takedown/sign?lang=en": {
            "name": "Ann", "email": address, "display": "full", "region": "", "comment": "",
        },
        "/subscribe?lang=en": {"email": address, "language": "zh"},
        "/volunteer?lang=en": {"nickname": "夜航", "email": address, "consent_data": "y"},
        "/volunteer/signin?lang=en": {"email": address},
        "/my-data/?lang=en": {"email": address},
    }
    for path, data in posts.items():
        response = client.post(path, data=data)
        assert response.status_code in (200, 400), path
        assert "Our mail server cannot deliver" in response.get_data(as_text=True), path
    zh = client.post("/my-data/?lang=zh", data={"email": address}).get_data(as_text=True)
    assert "我们的邮件服务器无法投递" in zh
    for model in (Signature, Subscriber, Volunteer, QueuedMail):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model


def test_with_smtputf8_such_addresses_are_accepted_and_delivered(make_app, app, utf8_server):
    """With MAIL_SMTPUTF8 on and a server offering it, a signer with a non-ASCII address gets
    the confirmation mail, and /my-data and /volunteer/signin answer without a 500."""
    box, port = utf8_server
    utf8_app = make_app(MAIL_PORT=port, MAIL_SMTPUTF8=True)
    make_petition()
    utf8_app.test_client_class = Client
    client = utf8_app.test_client()
    assert sign(client, email=UNSENDABLE[0]).status_code == 303
    assert client.post("/my-data/?lang=en", data={"email": UNSENDABLE[1]}).status_code == 200
    assert client.post("/volunteer/signin?lang=en", data={"email": UNSENDABLE[1]}).status_code == 200
    with utf8_app.app_context():
        send_mail(utf8_app)
    assert [UNSENDABLE[0]] in [rcpt for _sender, rcpt in box.envelopes]


def test_with_smtputf8_on_but_not_offered_the_mail_fails_alone(make_app, app, ascii_server):
    """If MAIL_SMTPUTF8 is on but the server does not offer it, that mail fails for good with the
    reason, and the rest of the queue is delivered."""
    inbox, port = ascii_server
    utf8_app = make_app(MAIL_SMTPUTF8=True, MAIL_PORT=port)
    with utf8_app.app_context():
        mail.queue(mail.build_message(UNSENDABLE[0], "Hi", "text", "<p>html</p>"))
        mail.queue(mail.build_message("plain@example.org", "Hi", "text", "<p>html</p>"))
        db.session.commit()
        assert deliver_now(utf8_app) == 2
        failed = db.session.scalar(select(QueuedMail).where(QueuedMail.failed_at.is_not(None)))
        assert failed is not None and "SMTPUTF8" in failed.last_error
        db.session.remove()
    assert [rcpt for _sender, rcpt in inbox.envelopes] == [["plain@example.org"]]


def test_a_notice_survives_a_database_outage_and_a_broken_one_does_not_stop_the_others(make_app):
    """A public form's notice whose handling meets a database error (locked, restarting) stays
    queued and is handled in the next round; a notice whose handler fails for its own reason is
    dropped, and the notices after it are still handled."""
    from sqlalchemy.exc import OperationalError

    from campaign import default_features, notices
    from campaign.features import Feature

    handled: list[str] = []
    outages = [OperationalError("UPDATE", {}, Exception("database is locked"))]

    def flaky(notice: notices.Notice) -> None:
        if outages:
            raise outages.pop()
        handled.append(notice.address)

    def broken(notice: notices.Notice) -> None:
        raise ValueError("a bug in this handler")

    test_feature = Feature(name="notice_test", notice_handlers=(("test.flaky", flaky), ("test.broken", broken)))
    app = make_app(features=(*default_features(), test_feature))
    with app.app_context():
        notices.queue("test.broken", "first@example.org", "en")
        notices.queue("test.flaky", "second@example.org", "en")
        db.session.commit()

        notices.handle_due()
        assert handled == []
        left = db.session.scalars(select(notices.PublicNotice.address)).all()
        assert left == ["second@example.org"], "the broken notice is dropped, the one that met the outage stays"

        notices.handle_due()
        assert handled == ["second@example.org"]
        assert db.session.scalar(select(func.count()).select_from(notices.PublicNotice)) == 0
