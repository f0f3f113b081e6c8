"""Volunteers, working groups, invitations and tasks.

Volunteers are keyed on a nickname and a normalised email, never a legal name. Who may see what
is decided in services (see `visible_groups`), not here.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.content import Translatable, translated_column
from campaign.extensions import Model, db
from campaign.timeutil import utcnow


class Status(str, enum.Enum):
    NEW = "new"
    CONTACTED = "contacted"
    VETTED = "vetted"
    INVITED = "invited"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"
    BLOCKED = "blocked"


# The volunteer life cycle: which status may follow which. Staff changes and the system's own
# (an invitation, its acceptance) both go through `services.record_status`, which refuses the rest.
# Erasure is the one exception: it always ends in LEFT.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.CONTACTED, Status.VETTED, Status.INVITED, Status.PAUSED, Status.LEFT,
                           Status.BLOCKED}),
    Status.CONTACTED: frozenset({Status.NEW, Status.VETTED, Status.INVITED, Status.PAUSED, Status.LEFT,
                                 Status.BLOCKED}),
    Status.VETTED: frozenset({Status.CONTACTED, Status.INVITED, Status.ACTIVE, Status.PAUSED, Status.LEFT,
                              Status.BLOCKED}),
    Status.INVITED: frozenset({Status.VETTED, Status.ACTIVE, Status.PAUSED, Status.LEFT, Status.BLOCKED}),
    Status.ACTIVE: frozenset({Status.VETTED, Status.PAUSED, Status.LEFT, Status.BLOCKED}),
    Status.PAUSED: frozenset({Status.CONTACTED, Status.VETTED, Status.ACTIVE, Status.LEFT, Status.BLOCKED}),
    Status.LEFT: frozenset({Status.CONTACTED, Status.BLOCKED}),
    # Unblocking starts over: the person is contacted again and must be vetted again.
    Status.BLOCKED: frozenset({Status.CONTACTED}),
}


class TaskStatus(str, enum.Enum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"


class Priority(str, enum.Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class InvitationState(str, enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


interest_table = db.Table(
    "volunteer_interests",
    db.Column("volunteer_id", ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
    db.Column("group_id", ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True),
)

task_assignees = db.Table(
    "task_assignees",
    db.Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    db.Column("volunteer_id", ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
)


class Volunteer(Model):
    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalised; NULL once the person erased their data (the row stays as "former volunteer").
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    nickname: Mapped[str] = mapped_column(String(60), default="")
    contact_kind: Mapped[str] = mapped_column(String(20), default="")  # signal, telegram, phone
    contact: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(80), default="", index=True)
    languages: Mapped[str] = mapped_column(String(200), default="")  # comma-separated keys
    skills: Mapped[str] = mapped_column(String(300), default="")  # comma-separated keys
    skills_other: Mapped[str] = mapped_column(String(300), default="")
    hours_per_week: Mapped[int] = mapped_column(default=0)
    availability: Mapped[str] = mapped_column(String(300), default="")
    motivation: Mapped[str] = mapped_column(Text, default="")
    consent_contact: Mapped[bool] = mapped_column(default=False)
    newsletter: Mapped[bool] = mapped_column(default=False)
    # Agreed to receive mail meant for volunteers (their group, their status), subscribed or not;
    # withdrawn from /me/profile or by the one-click unsubscribe in any such mail.
    mail_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW.value, index=True)
    tags: Mapped[str] = mapped_column(String(300), default="")  # comma-separated, staff only
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(index=True)
    # A random value mailed in the confirmation link; cleared once used.
    confirm_nonce: Mapped[str] = mapped_column(String(40), default="")
    # Answers from a later sign-up with the same address, applied only when that mail is confirmed.
    pending_answers: Mapped[str] = mapped_column(Text, default="")
    # Bumped to revoke every session and magic link at once (block, erase).
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None]
    last_digest_on: Mapped[date | None]
    erased_at: Mapped[datetime | None]

    interests: Mapped[list[WorkingGroup]] = relationship(secondary=interest_table, lazy="selectin")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Volunteer {self.id} {self.status}>"

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]

    @property
    def skill_list(self) -> list[str]:
        return [s for s in self.skills.split(",") if s]

    @property
    def language_list(self) -> list[str]:
        return [s for s in self.languages.split(",") if s]


class StatusChange(Model):
    """A dated entry in a volunteer's history: each status change, and who vouched when vetting."""

    __tablename__ = "volunteer_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    vouched_by: Mapped[str] = mapped_column(String(120), default="")  # who vouched or checked
    note: Mapped[str] = mapped_column(String(300), default="")

    def __repr__(self) -> str:
        return f"<StatusChange {self.volunteer_id} {self.to_status}>"


class VolunteerNote(Model):
    """A private note by staff; never shown to the volunteer or to leads."""

    __tablename__ = "volunteer_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<VolunteerNote {self.id}>"


class WorkingGroup(Translatable, Model):
    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[dict[str, str]] = translated_column()
    description: Mapped[dict[str, str]] = translated_column()
    open_to_interest: Mapped[bool] = mapped_column(default=True)
    size_limit: Mapped[int | None]
    confidential: Mapped[bool] = mapped_column(default=False)
    # Only vetted volunteers may be invited (always so for a confidential group).
    vetted_only: Mapped[bool] = mapped_column(default=False)
    # Mails say only "you have a new task" with a link: no title, no details.
    content_free: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.id}>"


class Membership(Model):
    __tablename__ = "group_memberships"
    __table_args__ = (UniqueConstraint("group_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[WorkingGroup] = relationship(back_populates="memberships")
    volunteer: Mapped[Volunteer] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership {self.group_id}:{self.volunteer_id}>"


class Invitation(Model):
    __tablename__ = "group_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    invited_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invited_by_volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(20), default=InvitationState.PENDING.value, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]

    group: Mapped[WorkingGroup] = relationship()
    volunteer: Mapped[Volunteer] = relationship(foreign_keys=[volunteer_id])

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.state}>"


class Task(Model):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    due_on: Mapped[date | None] = mapped_column(index=True)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.TODO.value, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[WorkingGroup] = relationship()
    assignees: Mapped[list[Volunteer]] = relationship(secondary=task_assignees, lazy="selectin")
    comments: Mapped[list[TaskComment]] = relationship(
        cascade="all, delete-orphan", order_by="TaskComment.id"
    )
    events: Mapped[list[TaskEvent]] = relationship(cascade="all, delete-orphan", order_by="TaskEvent.id")

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.status}>"


class TaskComment(Model):
    __tablename__ = "task_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author_volunteer: Mapped[Volunteer | None] = relationship()

    def __repr__(self) -> str:
        return f"<TaskComment {self.id}>"


class TaskEvent(Model):
    """A task's history: created, status moved, assignees changed."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # created, status, assigned
    detail: Mapped[str] = mapped_column(String(200), default="")  # a status key or a count

    actor_volunteer: Mapped[Volunteer | None] = relationship()

    def __repr__(self) -> str:
        return f"<TaskEvent {self.task_id} {self.kind}>"
