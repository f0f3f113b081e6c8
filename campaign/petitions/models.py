"""Petitions and their signatures."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from campaign.content import Shown, Translatable, translated_column
from campaign.extensions import Model
from campaign.timeutil import org_today, utcnow


class PetitionStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class SignatureStatus(str, enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"


class Source(str, enum.Enum):
    """Where a signature was given: on the site (or an embed), or on a paper sheet typed in by staff."""

    ONLINE = "online"
    PAPER = "paper"


class UpdateKind(str, enum.Enum):
    UPDATE = "update"  # news from the organisers
    ANSWER = "answer"  # the target's answer (or "no answer after N days")


class Display(str, enum.Enum):
    """How a signer's name appears in public lists and in the delivery export."""

    FULL = "full"
    INITIALS = "initials"
    ANONYMOUS = "anonymous"


# The fields written in each language (campaign/content.py), as the editor shows them.
TRANSLATED = ("title", "summary", "body", "target", "thanks", "share_text")


class Petition(Translatable, Model):
    __tablename__ = "petitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=PetitionStatus.DRAFT.value, index=True)
    goal: Mapped[int] = mapped_column(default=100)
    closes_on: Mapped[date | None]
    title: Mapped[dict[str, str]] = translated_column()
    summary: Mapped[dict[str, str]] = translated_column()
    body: Mapped[dict[str, str]] = translated_column()  # Markdown as the organiser wrote it
    # Sanitised HTML rendered from the Markdown on save, so showing a petition renders nothing.
    body_html: Mapped[dict[str, str]] = translated_column()
    target: Mapped[dict[str, str]] = translated_column()
    thanks: Mapped[dict[str, str]] = translated_column()
    share_text: Mapped[dict[str, str]] = translated_column()
    # Confirmed signatures, kept up to date in the confirming and withdrawing transactions.
    signature_count: Mapped[int] = mapped_column(default=0)
    # Counts that announce themselves when passed ("100,1000,10000"); "" for none.
    milestones: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The highest milestone passed, raised once in the transaction that passes it.
    milestone_reached: Mapped[int] = mapped_column(default=0, server_default="0")
    # Origins ("https://partner.example") whose pages may frame /embed/petitions/<slug>, one a line.
    embed_origins: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Petition {self.id} {self.slug}>"

    @property
    def milestone_list(self) -> list[int]:
        return sorted({int(part) for part in self.milestones.split(",") if part.strip().isdigit()})

    @property
    def origin_list(self) -> list[str]:
        return [line.strip() for line in self.embed_origins.split() if line.strip()]

    def html(self, lang: str) -> Shown:
        """The sanitised HTML of the body for a reader of `lang` (or its fallback)."""
        return self.text("body_html", lang)

    @property
    def is_open(self) -> bool:
        if self.status != PetitionStatus.OPEN.value:
            return False
        return self.closes_on is None or self.closes_on >= org_today()

    @property
    def progress_percent(self) -> int:
        return min(100, self.signature_count * 100 // self.goal) if self.goal else 100


class Signature(Model):
    __tablename__ = "petition_signatures"
    __table_args__ = (
        UniqueConstraint("petition_id", "email"),
        Index("ix_petition_signatures_public", "petition_id", "status", "confirmed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))  # normalised (privacy.normalise_email)
    name: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(60), default="")
    comment: Mapped[str] = mapped_column(String(500), default="")
    display: Mapped[str] = mapped_column(String(10), default=Display.INITIALS.value)
    newsletter: Mapped[bool] = mapped_column(default=False)
    # Consent to mail about this petition only: its updates and the target's answer.
    updates: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    source: Mapped[str] = mapped_column(String(10), default=Source.ONLINE.value, server_default=Source.ONLINE.value)
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    status: Mapped[str] = mapped_column(String(10), default=SignatureStatus.PENDING.value)
    src: Mapped[str] = mapped_column(String(20), default="")  # share channel that brought them
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None]
    hidden: Mapped[bool] = mapped_column(default=False)  # signature left out of public lists
    comment_hidden: Mapped[bool] = mapped_column(default=False)
    # The confirmation mail is composed by the worker, off the signing path (see tasks.py).
    mail_due: Mapped[bool] = mapped_column(default=True, index=True)
    last_mailed_at: Mapped[datetime | None]
    # Why the confirmation mail could not be composed or sent (no address in it); "" when fine.
    mail_error: Mapped[str] = mapped_column(String(200), default="", server_default="")

    def __repr__(self) -> str:
        return f"<Signature {self.id} petition={self.petition_id} {self.status}>"

    @property
    def public_name(self) -> str:
        """The name as the signer chose to show it (empty when anonymous)."""
        if self.display == Display.FULL.value:
            return self.name
        if self.display == Display.INITIALS.value:
            return initials(self.name)
        return ""


def initials(name: str) -> str:
    """'Jane Doe' -> 'J. D.'; a Chinese name keeps its first character: '王小明' -> '王**'."""
    words = name.split()
    if not words:
        return ""
    if len(words) == 1 and not words[0].isascii():
        word = words[0]
        return word[0] + "*" * (len(word) - 1)
    return " ".join(f"{w[0].upper()}." for w in words)


class PetitionUpdate(Translatable, Model):
    """News posted on a petition: an organisers' update or the target's answer, in both languages."""

    __tablename__ = "petition_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=UpdateKind.UPDATE.value)
    title: Mapped[dict[str, str]] = translated_column()
    body: Mapped[dict[str, str]] = translated_column()  # Markdown
    body_html: Mapped[dict[str, str]] = translated_column()  # sanitised on save
    # For an answer: the day it came, or how many days passed with none (then no text is needed).
    answered_on: Mapped[date | None]
    no_answer_days: Mapped[int | None]
    # The newsletter issue that mailed it to signers who opted in (None: nobody to mail).
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("newsletter_issues.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<PetitionUpdate {self.id} petition={self.petition_id} {self.kind}>"

    def html(self, lang: str) -> Shown:
        """The sanitised HTML of the body for a reader of `lang` (or its fallback)."""
        return self.text("body_html", lang)


class MilestonePassed(Model):
    """A milestone a petition's count passed: written once, in the passing transaction; the
    worker mails the organisers who asked (mailed_at set when done)."""

    __tablename__ = "petition_milestones_passed"
    __table_args__ = (UniqueConstraint("petition_id", "milestone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    milestone: Mapped[int]
    passed_at: Mapped[datetime] = mapped_column(default=utcnow)
    mail_due: Mapped[bool] = mapped_column(default=True, index=True)

    def __repr__(self) -> str:
        return f"<MilestonePassed {self.petition_id} {self.milestone}>"


class MilestoneWatcher(Model):
    """A staff member who asked to be mailed when any petition passes a milestone."""

    __tablename__ = "petition_milestone_watchers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<MilestoneWatcher {self.user_id}>"
