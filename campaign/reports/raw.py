"""The raw lists (personal data, organisers only): header and rows streamed from the database."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from campaign.reports import tables as t
from campaign.reports.frames import ReportFilter

CHUNK = 5000


def _stream(conn: Connection, stmt: sa.Select[*tuple[Any, ...]]) -> Iterator[Sequence[Any]]:
    result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(stmt)
    for partition in result.partitions():
        yield from partition


def signatures(conn: Connection, f: ReportFilter) -> tuple[list[str], Iterator[Sequence[Any]]]:
    s, p = t.signatures, t.petitions
    # A paper signature given without an address holds a placeholder: shown empty.
    email = sa.case((sa.and_(s.c.source == "paper", s.c.email.startswith("paper-")), ""), else_=s.c.email)
    stmt = (sa.select(p.c.slug, s.c.name, email, s.c.region, s.c.comment, s.c.display, s.c.status,
                      s.c.src, s.c.newsletter, s.c.source, s.c.created_at, s.c.confirmed_at)
            .join(p, p.c.id == s.c.petition_id).where(*f.bounds(s.c.created_at)).order_by(s.c.id))
    if f.petition_id:
        stmt = stmt.where(s.c.petition_id == f.petition_id)
    header = ["petition", "name", "email", "region", "comment", "display", "status", "channel",
              "newsletter", "signed_via", "signed_at", "confirmed_at"]
    return header, _stream(conn, stmt)


def subscribers(conn: Connection, f: ReportFilter) -> tuple[list[str], Iterator[Sequence[Any]]]:
    s = t.subscribers
    stmt = (sa.select(s.c.email, s.c.name, s.c.locale, s.c.topics, s.c.status, s.c.source, s.c.created_at,
                      s.c.confirmed_at, s.c.unsubscribed_at).where(*f.bounds(s.c.created_at)).order_by(s.c.id))
    return ["email", "name", "language", "topics", "status", "source", "joined_at", "confirmed_at",
            "unsubscribed_at"], _stream(conn, stmt)


def volunteers(conn: Connection, f: ReportFilter) -> tuple[list[str], Iterator[Sequence[Any]]]:
    v = t.volunteers
    stmt = (sa.select(v.c.nickname, v.c.email, v.c.contact_kind, v.c.contact, v.c.region, v.c.languages,
                      v.c.skills, v.c.hours_per_week, v.c.status, v.c.tags, v.c.confirmed_at)
            .where(v.c.confirmed_at.is_not(None), v.c.erased_at.is_(None), *f.bounds(v.c.confirmed_at))
            .order_by(v.c.id))
    if f.group_id:
        stmt = stmt.where(
            v.c.id.in_(sa.select(t.memberships.c.volunteer_id).where(t.memberships.c.group_id == f.group_id))
        )
    return ["nickname", "email", "contact_kind", "contact", "region", "languages", "skills", "hours_per_week",
            "status", "tags", "confirmed_at"], _stream(conn, stmt)


def tasks(conn: Connection, f: ReportFilter) -> tuple[list[str], Iterator[Sequence[Any]]]:
    k, g = t.tasks, t.groups
    stmt = (sa.select(g.c.name, k.c.title, k.c.status, k.c.priority, k.c.due_on, k.c.created_at)
            .join(g, g.c.id == k.c.group_id).where(*f.bounds(k.c.created_at)).order_by(k.c.id))
    if not f.include_confidential:
        stmt = stmt.where(g.c.confidential.is_(False))
    if f.group_id:
        stmt = stmt.where(k.c.group_id == f.group_id)
    return ["group", "title", "status", "priority", "due_on", "created_at"], _stream(conn, stmt)


LISTS = {"signatures": signatures, "subscribers": subscribers, "volunteers": volunteers, "tasks": tasks}
