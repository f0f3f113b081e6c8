"""Erasure that reaches the disk, not only the rows.

Deleting or blanking a row leaves its old bytes behind: in SQLite's free pages and its WAL, in
PostgreSQL's heap pages until a VACUUM prunes them (and in PostgreSQL's WAL and in backups, which
the README's data-retention section describes). So:

- SQLite runs with `PRAGMA secure_delete=ON` (set on every connection, see campaign/__init__.py),
  which overwrites deleted content with zeros, and `settle()` checkpoints the WAL with TRUNCATE
  right after an erasure, so the old page images leave the WAL file at once.
- On PostgreSQL `settle()` notes the touched tables; the upkeep job `privacy.vacuum`
  (campaign/rights/tasks.py) runs VACUUM on them in its next run.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import String, delete, select, text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import Model, db
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)

# Sent and failed mail rows carry addresses; every erasure vacuums them as well.
ALWAYS = ("queued_mail",)


class ErasureMark(Model):
    """A table that had personal data erased since the last vacuum (PostgreSQL only)."""

    __tablename__ = "erasure_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ErasureMark {self.table_name}>"


def settle(tables: Iterable[str]) -> None:
    """Call after the commit of an erasure or withdrawal that touched `tables`."""
    names = sorted(set(tables) | set(ALWAYS))
    known = set(db.metadata.tables)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"not a table of this app: {unknown}")
    if db.engine.dialect.name == "sqlite" and _checkpoint():
        return
    # PostgreSQL, or a SQLite checkpoint that a long reader kept from finishing: the job finishes it.
    db.session.add_all(ErasureMark(table_name=name) for name in names)
    db.session.commit()


def _checkpoint() -> bool:
    """Copy the WAL into the database file and truncate it (SQLite); False if a reader was in the way."""
    db.session.commit()  # our own read snapshot must not hold the checkpoint back
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=2000")
        busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        conn.exec_driver_sql("PRAGMA busy_timeout=10000")
    if busy:
        logger.warning("WAL checkpoint after an erasure was busy; the upkeep job will retry")
    return not busy


def vacuum_marked() -> int:
    """VACUUM each table marked since the last run (PostgreSQL), or finish a SQLite checkpoint
    that was busy; returns how many tables were done."""
    if db.engine.dialect.name == "sqlite":
        count = len(list(db.session.scalars(select(ErasureMark.id))))
        if count and _checkpoint():
            db.session.execute(delete(ErasureMark))
            db.session.commit()
            return count
        return 0
    marks = list(db.session.execute(select(ErasureMark.id, ErasureMark.table_name)))
    db.session.commit()
    if not marks:
        return 0
    names = sorted({name for _id, name in marks} & set(db.metadata.tables))
    # VACUUM cannot run inside a transaction block.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in names:
            # Table names come from our own metadata (intersected above), never from input.
            conn.execute(text(f'VACUUM "{name}"'))  # nosec B608
    db.session.execute(delete(ErasureMark).where(ErasureMark.id.in_([i for i, _n in marks])))
    db.session.commit()
    logger.info("vacuumed %d tables after erasures", len(names))
    return len(names)
