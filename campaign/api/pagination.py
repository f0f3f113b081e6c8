"""Cursor pagination over (modified_at, id), and the `modified_since` filter.

The cursor is opaque to clients (base64 of the last row's time and id); the next page starts
strictly after that row, so rows changed or added meanwhile are neither skipped nor repeated
within a walk ordered by modification time.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from campaign.extensions import db

T = TypeVar("T")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_ID = 2**31 - 1  # the id columns' range: a larger id names nothing (and cannot be bound)


class BadCursor(ValueError):
    """The cursor was not made by this API."""


def encode(at: datetime, ident: int) -> str:
    raw = f"{at.isoformat()}|{ident}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, int]:
    """The (time, id) a cursor of `encode` holds; BadCursor for anything `encode` cannot have made
    (a time with a zone, an id out of the columns' range), which the database could not compare."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _sep, ident = raw.partition("|")
        found, number = datetime.fromisoformat(at), int(ident)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor(str(exc)) from None
    if found.tzinfo is not None or not 0 <= number <= MAX_ID:
        raise BadCursor(cursor)
    return found, number


def naive_utc(value: datetime) -> datetime:
    """A time as stored: naive UTC (a time without a zone is taken as UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def page(
    stmt: Select[Any, Any],
    modified: ColumnElement[datetime] | InstrumentedAttribute[datetime],
    ident: InstrumentedAttribute[int],
    args: dict[str, Any],
    render: Callable[[Any], dict[str, Any]],
) -> Page:
    """One page of `stmt` (which selects a model, plus `modified` as its last column)."""
    limit = int(args.get("limit") or DEFAULT_LIMIT)
    since = args.get("modified_since")
    if since is not None:
        stmt = stmt.where(modified >= naive_utc(since))
    cursor = args.get("cursor")
    if cursor:
        at, last = decode(cursor)
        stmt = stmt.where(or_(modified > at, and_(modified == at, ident > last)))
    rows: Sequence[Any] = db.session.execute(stmt.order_by(modified, ident).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [render(row[0]) for row in rows]
    next_cursor = None
    if more and rows:
        last_row = rows[-1]
        next_cursor = encode(last_row[-1], int(last_row[0].id))
    return Page(items, next_cursor)
