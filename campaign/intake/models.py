"""Help requests. Only coarse fields for statistics are in the clear; everything a survivor or a
caseworker writes is a sealed box (see crypto.py)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.auth.models import User
from campaign.extensions import Model
from campaign.timeutil import utcnow


class Status(str, enum.Enum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"
    CLOSED = "closed"


class IntakeKey(Model):
    """The group's key pair: the public key, and the private key wrapped with a passphrase."""

    __tablename__ = "intake_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    wrapped_private: Mapped[bytes] = mapped_column(LargeBinary(128))
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    opslimit: Mapped[int]
    memlimit: Mapped[int]
    # Made by `flask demo seed` with a published passphrase: staff pages warn until it is rotated.
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<IntakeKey v{self.version}>"


class HelpRequest(Model):
    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Finding the row for a receipt code: a 16-bit hint, then the slow check against reply_public_key.
    lookup_id: Mapped[str] = mapped_column(String(8), index=True)
    code_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    reply_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    key_version: Mapped[int]
    answers_box: Mapped[bytes] = mapped_column(LargeBinary)  # JSON: every answer, contact and name
    # Coarse, in the clear, for statistics and the queue.
    received_week: Mapped[date] = mapped_column(Date, index=True)  # the Monday of the week
    kinds: Mapped[str] = mapped_column(String(200), default="")  # comma-separated codes
    platforms: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW.value, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Short caseworker labels such as "urgent" or "legal"; never personal details.
    tags: Mapped[str] = mapped_column(String(200), default="")
    remind_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # The survivor wrote (or submitted) since a caseworker last read or answered the case.
    unread: Mapped[bool] = mapped_column(default=True)

    assignee: Mapped[User | None] = relationship(lazy="joined")
    messages: Mapped[list[CaseMessage]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="CaseMessage.id"
    )
    notes: Mapped[list[CaseNote]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="CaseNote.id"
    )

    def __repr__(self) -> str:
        return f"<HelpRequest {self.id} {self.status}>"

    @property
    def kind_list(self) -> list[str]:
        return [k for k in self.kinds.split(",") if k]

    @property
    def platform_list(self) -> list[str]:
        return [p for p in self.platforms.split(",") if p]

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


class CaseMessage(Model):
    """A message between the survivor and the team, sealed twice: to the team key and to the
    request's own key, so both the code holder and an unlocked caseworker can read it."""

    __tablename__ = "intake_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"), index=True)
    from_team: Mapped[bool]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    key_version: Mapped[int]
    team_box: Mapped[bytes] = mapped_column(LargeBinary)
    survivor_box: Mapped[bytes] = mapped_column(LargeBinary)
    sent_on: Mapped[date] = mapped_column(Date)

    request: Mapped[HelpRequest] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CaseMessage {self.id}>"


class CaseNote(Model):
    """A caseworker's private note, sealed to the team key only."""

    __tablename__ = "intake_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    key_version: Mapped[int]
    box: Mapped[bytes] = mapped_column(LargeBinary)
    written_on: Mapped[date] = mapped_column(Date)

    request: Mapped[HelpRequest] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CaseNote {self.id}>"
