"""Time in one convention: naive UTC datetimes in the database, on both SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
