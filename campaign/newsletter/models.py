"""Newsletter subscribers, issues and the outbox that freezes each send's audience.

Petition signers and volunteers who opt in join the same subscriber list.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from campaign.content import Translatable, translated_column
from campaign.extensions import Model
from campaign.timeutil import utcnow


class SubscriberStatus(str, enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class Subscriber(Model):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # normalised (privacy.normalise_email)
    name: Mapped[str] = mapped_column(String(100), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")  # a configured locale code
    topics: Mapped[str] = mapped_column(String(200), default="")  # comma-separated topic keys
    status: Mapped[str] = mapped_column(String(20), default=SubscriberStatus.PENDING.value, index=True)
    # Where consent came from: "form", "petition:<id>", "volunteer", "import:<file>".
    source: Mapped[str] = mapped_column(String(80), default="form")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    # The server's answer when a message was refused for good (5xx); shown on the bounce page.
    bounce_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # False: joined only to hear about one thing (a petition's updates), so only an audience
    # declared `limited` reaches them; issues to everyone else pass them by.
    general: Mapped[bool] = mapped_column(default=True, server_default=true())

    def __repr__(self) -> str:
        return f"<Subscriber {self.id} {self.status}>"


class IssueStatus(str, enum.Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"
    CANCELLED = "cancelled"


class Issue(Translatable, Model):
    """One newsletter issue: its text, its audience and the state of its send."""

    __tablename__ = "newsletter_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Per language (campaign/content.py); each subscriber gets theirs, or the fallback.
    subject: Mapped[dict[str, str]] = translated_column()
    body: Mapped[dict[str, str]] = translated_column()  # Markdown, with merge fields
    topics: Mapped[str] = mapped_column(String(200), default="")  # empty: every topic
    languages: Mapped[str] = mapped_column(String(200), default="")  # comma-separated codes; empty: every language
    segment: Mapped[str] = mapped_column(String(80), default="")  # "key" or "key:value"
    status: Mapped[str] = mapped_column(String(20), default=IssueStatus.DRAFT.value, index=True)
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    pause_reason: Mapped[str] = mapped_column(String(200), default="")
    published: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Issue {self.id} {self.status}>"


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # unsubscribed or bounced after the audience was frozen, or cancelled


class OutboxRow(Model):
    """One recipient of one issue. The address is copied so the send is what was frozen.

    A recipient is a subscriber, or a contact: someone another feature may mail for itself (a
    volunteer who agreed to be mailed), named "<contacts key>:<id>" and without a subscriber row.
    """

    __tablename__ = "newsletter_outbox"
    __table_args__ = (
        UniqueConstraint("issue_id", "subscriber_id", name="uq_newsletter_outbox_issue_subscriber"),
        Index("ix_newsletter_outbox_claim", "issue_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("newsletter_issues.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    contact: Mapped[str] = mapped_column(String(80), default="", server_default="", index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(100), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(80), default="")
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    answer: Mapped[str] = mapped_column(String(300), default="")

    def __repr__(self) -> str:
        return f"<OutboxRow {self.id} issue={self.issue_id} {self.status}>"


class IssueTemplate(Translatable, Model):
    """A named subject and text (in each language) to start new issues from."""

    __tablename__ = "newsletter_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    subject: Mapped[dict[str, str]] = translated_column()
    body: Mapped[dict[str, str]] = translated_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<IssueTemplate {self.id}>"


class ImportStatus(str, enum.Enum):
    CHECKING = "checking"  # the worker reads the file and lists rejected rows
    READY = "ready"  # checked; waits for an organiser to confirm
    IMPORTING = "importing"
    DONE = "done"


class ImportJob(Model):
    """A list import run by the worker; the CSV text is kept only until the job has read it."""

    __tablename__ = "newsletter_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=ImportStatus.CHECKING.value)
    source: Mapped[str] = mapped_column(String(80), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")  # the imported subscribers' language
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    merged: Mapped[int] = mapped_column(default=0)
    already: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[str] = mapped_column(Text, default="[]")  # JSON: [[line, value, reason], ...]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.status}>"
