"""Happenings: a row per thing partners may be told about, written in the transaction that made it.

A feature calls `record(kind, subject_type, subject_id)` beside the change it describes (a
signature confirmed, a subscriber joined). The row commits or rolls back with that change, so no
webhook announces what did not happen and nothing that happened is missed. The api feature's
worker job claims the rows and turns them into webhook deliveries; features never import it.

A row holds a kind and an id, never personal data: what a delivery says is read when it is sent,
so an erasure between the change and the delivery is respected.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from campaign import worker
from campaign.extensions import Model, db
from campaign.features import Lane
from campaign.timeutil import utcnow

# The kinds the shipped features record (a feature adding its own names it in its manifest).
SIGNATURE_CONFIRMED = "signature.confirmed"
SUBSCRIBER_JOINED = "subscriber.joined"
SUBSCRIBER_LEFT = "subscriber.left"
VOLUNTEER_CONFIRMED = "volunteer.confirmed"
RSVP_CONFIRMED = "rsvp.confirmed"  # an attendee confirmed by mail (a place, or the waiting list)
RSVP_CANCELLED = "rsvp.cancelled"


class Happening(Model):
    __tablename__ = "happenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # True until a worker has turned the row into deliveries (or found no webhook wanting it).
    due: Mapped[bool] = mapped_column(default=True, index=True)

    def __repr__(self) -> str:
        return f"<Happening {self.id} {self.kind} {self.subject_type}:{self.subject_id}>"


def record(kind: str, subject_type: str, subject_id: object) -> None:
    """Add a happening to the current transaction (no commit): it commits with the change."""
    db.session.add(Happening(kind=kind, subject_type=subject_type, subject_id=str(subject_id)))
    worker.wake_after_commit(Lane.HOOKS)
