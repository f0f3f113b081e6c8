"""Time in one convention: naive UTC datetimes in the database, on both SQLite and PostgreSQL.

People type and read times in the organisation's zone (`ORG_TIMEZONE`); these helpers convert at
the edges, so nothing stored depends on where the server runs.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def org_zone() -> ZoneInfo:
    """The organisation's time zone (validated when the app starts)."""
    return ZoneInfo(current_app.config.get("ORG_TIMEZONE", "Asia/Shanghai"))


def to_org(value: datetime) -> datetime:
    """A stored (naive UTC) time as an aware time in the organisation's zone."""
    return value.replace(tzinfo=UTC).astimezone(org_zone())


def from_org(value: datetime) -> datetime:
    """A naive time typed in the organisation's zone, as stored: naive UTC."""
    return value.replace(tzinfo=org_zone()).astimezone(UTC).replace(tzinfo=None)


def org_today() -> date:
    """Today's date where the organisation is (in Shanghai the day starts eight hours before UTC's)."""
    return datetime.now(org_zone()).date()


def org_midnight() -> datetime:
    """The start of the organisation's today, as stored: naive UTC."""
    return from_org(datetime.combine(org_today(), datetime.min.time()))


def org_offset_minutes() -> int:
    """The organisation's offset from UTC today, in minutes (480 in Shanghai)."""
    offset = datetime.now(org_zone()).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0
