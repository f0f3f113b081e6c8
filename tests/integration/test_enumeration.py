"""No public form tells anyone whether an address is known: same page, same work, and what differs
goes by mail to that address."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from campaign.extensions import db
from campaign.mail.models import QueuedMail
from campaign.newsletter.models import Subscriber
from campaign.notices import PublicNotice
from campaign.petitions.models import Signature
from campaign.timeutil import utcnow
from campaign.worker import run_once
from tests.conftest import Client, Inbox, deliver_now
from tests.integration.volunteer_factories import make_volunteer
from tests.petitions_support import make_petition, send_mail

KNOWN = "known.person@example.org"
UNKNOWN = "nobody.here@example.org"


def _page(response: Any) -> tuple[int, str | None, str]:
    """Status, redirect target and body, without the per-session CSRF token."""
    body = response.get_data(as_text=True)
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', body)
    body = re.sub(r'(value=")[^"]*("[^>]*name="csrf_token")', r'\1\2', body)
    return response.status_code, response.headers.get("Location"), body


def _work() -> tuple[int, int]:
    """What a request left for later: notices and queued mails."""
    return (db.session.scalar(select(func.count()).select_from(PublicNotice)) or 0,
            db.session.scalar(select(func.count()).select_from(QueuedMail)) or 0)


def _request_only_client(app: Flask) -> Client:
    """A client after whose requests no worker job runs, to see what the request alone did."""
    app.test_client_class = Client
    client = app.test_client()
    client.worker_jobs = frozenset()  # type: ignore[attr-defined]
    return client


def _compare(app: Flask, post: Callable[[Client, str], Any]) -> None:
    client = _request_only_client(app)
    before = _work()
    known = _page(post(client, KNOWN))
    after_known = _work()
    unknown = _page(post(client, UNKNOWN))
    after_unknown = _work()
    assert known == unknown
    # The same work: each request left exactly what the other did.
    first = [a - b for a, b in zip(after_known, before, strict=True)]
    assert first == [a - b for a, b in zip(after_unknown, after_known, strict=True)]


def test_subscribe_answers_alike_and_mails_the_difference(app, inbox):
    """A confirmed subscriber and a stranger get the same page; the subscriber's mail says nothing changed."""
    db.session.add(Subscriber(email=KNOWN, name="K", status="confirmed", locale="en", source="form"))
    db.session.commit()
    _compare(app, lambda c, address: c.post("/subscribe?lang=en", data={"email": address, "language": "en"}))
    run_once(app, {"notices"})
    deliver_now(app)
    assert "already" in Inbox.text(inbox.last_to(KNOWN))
    assert "confirm" in Inbox.text(inbox.last_to(UNKNOWN)).lower()


def test_petition_signing_answers_alike(app, inbox):
    """Someone who signed and confirmed, and someone new, see the same page after signing."""
    petition = make_petition()
    db.session.add(Signature(petition_id=petition.id, email=KNOWN, name="K", status="confirmed",
                             confirmed_at=utcnow(), locale="en"))
    db.session.commit()
    client = _request_only_client(app)

    def post(address: str) -> Any:
        return client.post(f"/petitions/{petition.slug}/sign?lang=en",
                           data={"email": address, "name": "Ann Lee", "display": "full", "region": "广东",
                                 "comment": ""})

    assert _page(post(KNOWN)) == _page(post(UNKNOWN))
    send_mail(app)
    assert "counts once" in Inbox.text(inbox.last_to(KNOWN))


def test_volunteer_sign_up_answers_alike(app):
    """A known volunteer's address and a new one get the same page and queue the same work."""
    make_volunteer(email=KNOWN)
    form = {"nickname": "小雨", "languages": ["zh"], "consent_data": "y", "motivation": "想帮忙"}
    _compare(app, lambda c, address: c.post("/volunteer", data={**form, "email": address}))


def test_volunteer_sign_in_answers_alike_and_only_the_volunteer_gets_a_link(app, inbox):
    """The sign-in form's page and work are the same for a volunteer and a stranger."""
    make_volunteer(email=KNOWN)
    _compare(app, lambda c, address: c.post("/volunteer/signin", data={"email": address}))
    run_once(app, {"notices"})
    deliver_now(app)
    assert inbox.to(KNOWN) and not inbox.to(UNKNOWN)


def test_my_data_answers_alike(app, inbox):
    """/my-data answers the same for an address the group holds and one it does not."""
    db.session.add(Subscriber(email=KNOWN, name="K", status="confirmed", locale="en", source="form"))
    db.session.commit()
    _compare(app, lambda c, address: c.post("/my-data/", data={"email": address}))
    run_once(app, {"notices"})
    deliver_now(app)
    assert inbox.to(KNOWN) and not inbox.to(UNKNOWN)


@pytest.mark.parametrize("path", ["/subscribe", "/volunteer/signin", "/my-data/"])
def test_no_mail_leaves_inside_the_request(app, inbox, path):
    """The request only queues a notice: the mail (if any) is the worker's, so timing says nothing."""
    make_volunteer(email=KNOWN)
    db.session.add(Subscriber(email=KNOWN, name="K", status="confirmed", locale="en", source="form"))
    db.session.commit()
    client = _request_only_client(app)
    client.post(path, data={"email": KNOWN, "language": "en"})
    assert inbox.messages == []
    assert _work() == (1, 0)
