"""What the newsletter holds on an address, for the data-rights page.

Erasing unsubscribes and blanks the address and name, on the subscriber and on every outbox row
made for them (as a subscriber or as a contact); the rows stay so that delivery counts of past
issues do not change.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from campaign.extensions import db
from campaign.newsletter.models import OutboxRow, OutboxStatus, Subscriber, SubscriberStatus
from campaign.timeutil import utcnow


def collect_personal_data(email: str) -> list[dict[str, Any]]:
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
    if subscriber is None:
        return []
    received = db.session.scalars(
        select(OutboxRow.issue_id).where(
            OutboxRow.subscriber_id == subscriber.id, OutboxRow.status == OutboxStatus.SENT.value
        )
    ).all()
    return [{"email": subscriber.email, "name": subscriber.name, "language": subscriber.locale,
             "topics": subscriber.topics, "status": subscriber.status, "source": subscriber.source,
             "joined_at": subscriber.created_at, "confirmed_at": subscriber.confirmed_at,
             "unsubscribed_at": subscriber.unsubscribed_at, "issues_received": list(received)}]


def _erase_contact_rows(email: str) -> int:
    """Rows made for the address as a contact (a volunteer mailed without subscribing)."""
    contact = OutboxRow.subscriber_id.is_(None) & (OutboxRow.email == email)
    db.session.execute(
        update(OutboxRow).where(contact, OutboxRow.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.SKIPPED.value)
    )
    result = db.session.execute(update(OutboxRow).where(contact).values(email="erased@invalid", name=""))
    return int(getattr(result, "rowcount", 0) or 0)


def erase_personal_data(email: str) -> int:
    touched = _erase_contact_rows(email)
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
    if subscriber is None:
        return 1 if touched else 0
    db.session.execute(
        update(OutboxRow)
        .where(OutboxRow.subscriber_id == subscriber.id, OutboxRow.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.SKIPPED.value)
    )
    db.session.execute(
        update(OutboxRow)
        .where(OutboxRow.subscriber_id == subscriber.id)
        .values(email=f"erased-{subscriber.id}@invalid", name="")
    )
    subscriber.email = f"erased-{subscriber.id}@invalid"
    subscriber.name = ""
    subscriber.topics = ""
    if subscriber.status in (SubscriberStatus.PENDING.value, SubscriberStatus.CONFIRMED.value):
        subscriber.status = SubscriberStatus.UNSUBSCRIBED.value
        subscriber.unsubscribed_at = utcnow()
    return 1


