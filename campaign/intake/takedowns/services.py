"""Takedown reports and their per-platform statistics."""
from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from campaign.audit.services import record
from campaign.auth.models import User
from campaign.extensions import db
from campaign.features import Figure
from campaign.intake.crypto import CaseKeyring
from campaign.intake.models import HelpRequest
from campaign.intake.services import hold_key
from campaign.intake.takedowns.models import Response, Takedown


class TakedownError(Exception):
    """Base of the tracker's errors."""


class UnknownCase(TakedownError):
    """The case a report is filed for does not exist."""


@dataclass(frozen=True)
class Entry:
    """What a caseworker records about one report."""

    platform: str
    content_type: str
    target: str
    reported_on: date
    reference: str = ""
    response: str = Response.NONE.value
    removed_on: date | None = None
    notes: str = ""


@dataclass(frozen=True)
class Details:
    target: str
    notes: str
    readable: bool  # False for a sealed row when the keyring is locked


@dataclass(frozen=True)
class PlatformStats:
    platform: str
    filed: int
    answered: int
    removed: int
    still_online: int
    median_days_to_removal: float | None

    @property
    def response_rate(self) -> float:
        return self.answered / self.filed if self.filed else 0.0


def _store_details(row: Takedown, ring: CaseKeyring, target: str, notes: str) -> None:
    if row.request_id is not None:
        hold_key(ring)
        row.details_box = ring.seal(json.dumps({"target": target, "notes": notes}, ensure_ascii=False))
        row.key_version = ring.version
        row.target, row.notes = "", ""
    else:
        row.details_box, row.key_version = None, None
        row.target, row.notes = target, notes


def details(ring: CaseKeyring, row: Takedown) -> Details:
    """The channel/URL and notes of a report (sealed ones only with an unlocked keyring)."""
    if row.details_box is None:
        return Details(row.target, row.notes, True)
    if not ring.unlocked:
        return Details("", "", False)
    data = json.loads(ring.open(row.details_box))
    return Details(data["target"], data["notes"], True)


def readable(ring: CaseKeyring, rows: list[Takedown], actor: User) -> list[tuple[Takedown, Details]]:
    """Rows with their details; opening sealed ones is audit-logged (one entry per page)."""
    out = [(row, details(ring, row)) for row in rows]
    opened = [row.id for row in rows if row.sealed and ring.unlocked]
    if opened:
        record(actor, "takedown.decrypted", "takedown", opened[0] if len(opened) == 1 else "", f"rows={len(opened)}")
        db.session.commit()
    return out


def create(ring: CaseKeyring, entry: Entry, actor: User | None, request_id: int | None = None) -> Takedown:
    """Record a report, linked to a case (its details sealed) or standalone."""
    if request_id is not None and db.session.get(HelpRequest, request_id) is None:
        raise UnknownCase()
    row = Takedown(request_id=request_id, created_by_id=actor.id if actor else None)
    _apply(row, ring, entry)
    db.session.add(row)
    db.session.flush()
    record(actor, "takedown.created", "takedown", row.id)
    db.session.commit()
    return row


def update(ring: CaseKeyring, row: Takedown, entry: Entry, actor: User, keep_details: bool = False) -> Takedown:
    """Change a report. With `keep_details` the stored channel/URL and notes stay as they are
    (a locked caseworker updating the response of a sealed row)."""
    _apply(row, ring, entry, keep_details)
    record(actor, "takedown.updated", "takedown", row.id)
    db.session.commit()
    return row


def _apply(row: Takedown, ring: CaseKeyring, entry: Entry, keep_details: bool = False) -> None:
    row.platform = entry.platform
    row.content_type = entry.content_type
    row.reference = entry.reference.strip()
    row.reported_on = entry.reported_on
    row.response = Response(entry.response).value
    row.removed_on = entry.removed_on
    if row.removed_on is not None:
        row.response = Response.REMOVED.value
    if not keep_details:
        _store_details(row, ring, entry.target.strip(), entry.notes.strip())


def get(takedown_id: int) -> Takedown | None:
    return db.session.get(Takedown, takedown_id)


def listing(platform: str = "", request_id: int | None = None, response: str = "") -> list[Takedown]:
    stmt = select(Takedown).order_by(Takedown.reported_on.desc(), Takedown.id.desc())
    if response:
        stmt = stmt.where(Takedown.response == response)
    if platform:
        stmt = stmt.where(Takedown.platform == platform)
    if request_id is not None:
        stmt = stmt.where(Takedown.request_id == request_id)
    return list(db.session.scalars(stmt))


def platform_stats(rows: Iterable[Takedown]) -> list[PlatformStats]:
    """Per platform: filed, answered (any response), removed, still online, median days to removal."""
    grouped: dict[str, list[Takedown]] = {}
    for row in rows:
        grouped.setdefault(row.platform, []).append(row)
    out = []
    for platform, items in grouped.items():
        days = [(r.removed_on - r.reported_on).days for r in items if r.removed_on is not None]
        out.append(
            PlatformStats(
                platform=platform,
                filed=len(items),
                answered=sum(1 for r in items if r.response != Response.NONE.value),
                removed=len(days),
                still_online=sum(1 for r in items if r.removed_on is None),
                median_days_to_removal=statistics.median(days) if days else None,
            )
        )
    return sorted(out, key=lambda s: (-s.filed, s.platform))


def all_stats() -> list[PlatformStats]:
    """The aggregates for every platform (what the public monitoring page shows)."""
    return platform_stats(db.session.scalars(select(Takedown)))


def staff_figures() -> list[Figure]:
    """The staff home's takedown to-do: reports the platform has not answered yet."""
    waiting = db.session.scalar(
        select(func.count(Takedown.id)).where(Takedown.response == Response.NONE.value)) or 0
    return [Figure(_l("Takedowns awaiting an answer"), waiting, "takedowns.index",
                   (("response", Response.NONE.value),), todo=True)]
