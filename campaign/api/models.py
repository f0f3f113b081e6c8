"""API keys, webhooks and their deliveries. A key's secret is kept only as a keyed hash."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import Model
from campaign.timeutil import utcnow


def split(value: str) -> list[str]:
    return [part for part in value.split(",") if part]


class ApiKey(Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))  # what the key is for, chosen by the admin
    # The token is "cmp_<prefix>_<secret>": the prefix finds the row, the hash proves the secret.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 of the whole token, hex
    scopes: Mapped[str] = mapped_column(String(400), default="")  # comma-separated
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<ApiKey {self.id} {self.prefix}>"

    @property
    def scope_list(self) -> list[str]:
        return split(self.scopes)

    def live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Webhook(Model):
    __tablename__ = "api_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[str] = mapped_column(String(400), default="")  # comma-separated kinds
    scopes: Mapped[str] = mapped_column(String(400), default="")  # what payloads may carry
    # Signs every delivery (HMAC-SHA256); shown to the admin once, when the webhook is made.
    secret: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Webhook {self.id}>"

    @property
    def event_list(self) -> list[str]:
        return split(self.events)

    @property
    def scope_list(self) -> list[str]:
        return split(self.scopes)


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for its first try or a retry
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # given up after the last retry, or refused for good


class Delivery(Model):
    """One event for one webhook, with its attempts. Holds no personal data: the payload is built
    when it is sent, from the rows as they are then."""

    __tablename__ = "api_webhook_deliveries"
    __table_args__ = (Index("ix_api_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("api_webhooks.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None]  # the happening's id (None for a test delivery)
    kind: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_code: Mapped[int | None]  # the receiver's HTTP status, None when it could not be reached
    last_error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Delivery {self.id} webhook={self.webhook_id} {self.kind} {self.status}>"
