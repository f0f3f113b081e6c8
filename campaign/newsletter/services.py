"""Subscribing and leaving the newsletter."""
from __future__ import annotations

from sqlalchemy import select

from campaign.extensions import db
from campaign.newsletter.models import Subscriber, SubscriberStatus
from campaign.privacy import normalise_email
from campaign.timeutil import utcnow


def subscribe_confirmed(email: str, name: str, locale: str, source: str) -> Subscriber:
    """Add a subscriber whose address is already proven (a confirmed signature or sign-up).

    Joins the caller's transaction; does not commit. Someone who unsubscribed, bounced or
    complained is not re-subscribed by a side door: only a fresh explicit opt-in does that.
    """
    address = normalise_email(email)
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
    if subscriber is None:
        subscriber = Subscriber(email=address, name=name[:100], locale=locale, source=source,
                                status=SubscriberStatus.PENDING.value)
        db.session.add(subscriber)
    if subscriber.status == SubscriberStatus.PENDING.value:
        subscriber.status = SubscriberStatus.CONFIRMED.value
        subscriber.confirmed_at = utcnow()
    return subscriber
