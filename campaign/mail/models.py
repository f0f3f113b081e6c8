"""Transactional mail waiting to be delivered. Rows are deleted once the server accepts them,
and kept without their message, marked failed, when it never will."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import Model
from campaign.timeutil import utcnow


class QueuedMail(Model):
    __tablename__ = "queued_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    message: Mapped[bytes] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Set when the row can never be delivered; its message and recipient are then emptied.
    failed_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<QueuedMail {self.id} attempts={self.attempts}>"
