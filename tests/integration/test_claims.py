"""One way to claim queue rows: several workers take disjoint rows, and only rows still due."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask

from campaign.claims import claim
from campaign.extensions import db
from campaign.mail.models import QueuedMail
from campaign.timeutil import utcnow


def _queue(count: int) -> None:
    now = utcnow()
    for n in range(count):
        db.session.add(QueuedMail(recipient=f"r{n}@example.org", message=b"x", next_attempt_at=now))
    db.session.commit()


def test_two_workers_claim_disjoint_rows(app: Flask, make_app: Callable[..., Flask]) -> None:
    """A second worker (its own app and connection) takes only what the first left."""
    _queue(8)
    due = QueuedMail.next_attempt_at <= utcnow()
    later = {"next_attempt_at": utcnow() + timedelta(minutes=5)}
    first = [row.id for row in claim(QueuedMail, due, later, 5)]
    db.session.commit()
    other = make_app()
    with other.app_context():
        second = [row.id for row in claim(QueuedMail, QueuedMail.next_attempt_at <= utcnow(), later, 5)]
        db.session.commit()
    assert len(first) == 5 and len(second) == 3
    assert not set(first) & set(second)
    assert claim(QueuedMail, QueuedMail.next_attempt_at <= utcnow(), later, 5) == []
