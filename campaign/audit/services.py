"""Writing and reading the audit log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select

from campaign.audit.models import AuditEvent
from campaign.auth.models import User
from campaign.extensions import db


def record(
    actor: User | None,
    action: str,
    target_type: str = "",
    target_id: object = "",
    detail: str = "",
) -> AuditEvent:
    """Add an entry to the current transaction; it commits with the work it describes."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail[:200],
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor_id: int | None = None
    target_type: str = ""
    target_id: str = ""
    since: date | None = None
    until: date | None = None
    # Help-desk entries reveal that a request exists; only caseworkers may see them.
    include_help_desk: bool = False


HELP_DESK_ACTIONS = ("intake.", "takedown.")
HELP_DESK_TARGETS = frozenset({"help_request", "intake_key", "takedown"})


def query(filters: AuditFilter) -> Select[AuditEvent]:
    """Entries matching the filters, newest first."""
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if not filters.include_help_desk:
        for prefix in HELP_DESK_ACTIONS:
            stmt = stmt.where(~AuditEvent.action.startswith(prefix))
    if filters.action:
        stmt = stmt.where(AuditEvent.action.startswith(filters.action))
    if filters.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.target_type:
        stmt = stmt.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id:
        stmt = stmt.where(AuditEvent.target_id == filters.target_id)
    if filters.since:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(filters.since, time.min))
    if filters.until:
        stmt = stmt.where(AuditEvent.at < datetime.combine(filters.until + timedelta(days=1), time.min))
    return stmt
