"""Worker job of data rights: after erasures, VACUUM the touched tables (PostgreSQL)."""
from __future__ import annotations

from campaign import erasure


def vacuum_after_erasures() -> int:
    """Prune the dead row versions an erasure left in PostgreSQL's heap pages (see campaign/erasure.py)."""
    return erasure.vacuum_marked()
