"""Newsletter subscribers. Petition signers and volunteers who opt in join this same list."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.timeutil import utcnow


class SubscriberStatus(str, enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class Subscriber(db.Model):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # normalised (privacy.normalise_email)
    name: Mapped[str] = mapped_column(String(100), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh")  # "zh" or "en"
    topics: Mapped[str] = mapped_column(String(200), default="")  # comma-separated topic keys
    status: Mapped[str] = mapped_column(String(20), default=SubscriberStatus.PENDING.value, index=True)
    # Where consent came from: "form", "petition:<id>", "volunteer", "import:<file>".
    source: Mapped[str] = mapped_column(String(80), default="form")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Subscriber {self.id} {self.status}>"
