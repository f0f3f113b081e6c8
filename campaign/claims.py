"""Claiming rows of a queue, for any number of workers at once.

Every queue here (transactional mail, petition confirmations, newsletter outbox, invitation
reminders) takes its work the same way: one UPDATE that marks up to `limit` due rows as taken and
returns them. On PostgreSQL the candidate rows are locked with SKIP LOCKED, so concurrent workers
take different rows instead of waiting; on SQLite the database's single writer does the same job.
The UPDATE names the locked candidates only: repeating the due condition outside the subquery
lets PostgreSQL re-evaluate the locking subquery on a concurrent update, and three workers then
sent rows twice (tests/integration/test_newsletter_fault.py caught it).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, select, update
from sqlalchemy.orm import InstrumentedAttribute

from campaign.extensions import Model, db


def claim(
    model: type[Model],
    due: ColumnElement[bool],
    values: Mapping[str, Any],
    limit: int,
    returning: Sequence[InstrumentedAttribute[Any]] = (),
    order_by: Sequence[InstrumentedAttribute[Any]] = (),
) -> Sequence[Row[Any]]:
    """Mark up to `limit` rows of `model` matching `due` with `values` (oldest id first, or in
    the order of `order_by`: an order an index of the table gives saves sorting every due row
    to take a few).

    Returns the claimed rows' `returning` columns (their ids when none are named). The caller
    commits, with whatever else belongs to the claim.
    """
    ident: InstrumentedAttribute[int] = model.id  # type: ignore[attr-defined]
    candidates = select(ident).where(due).order_by(*(order_by or (ident,))).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    stmt = (
        update(model)
        .where(ident.in_(candidates.scalar_subquery()))
        .values(**values)
        .returning(*(returning or (ident,)))
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).all()
