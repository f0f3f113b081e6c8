"""One way to page a long staff list: 50 rows a page, page links that keep the filters.

Lists from the database are paged in SQL (Flask-SQLAlchemy's `db.paginate`: one LIMIT/OFFSET query
and one COUNT); `ListPage` pages a list already in memory (the development mailbox's files) with
the same attributes, so the one `pager` macro (templates/macros/pager.html) renders both.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from campaign.extensions import db

PER_PAGE = 50
T = TypeVar("T")


def page_number() -> int:
    """The page asked for in ?page= (1 when missing or not a positive number)."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


def paginate(query: Select[Any], per_page: int = PER_PAGE) -> Pagination:
    """One page of `query`, in SQL; a page past the end is empty, not an error."""
    return db.paginate(query, page=page_number(), per_page=per_page, error_out=False)


@dataclass
class ListPage(Generic[T]):
    """A page of a list held in memory, shaped like Flask-SQLAlchemy's Pagination."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, everything: Sequence[T], per_page: int = PER_PAGE) -> ListPage[T]:
        page = page_number()
        start = (page - 1) * per_page
        return cls(everything[start : start + per_page], page, per_page, len(everything))

    @property
    def pages(self) -> int:
        return max(-(-self.total // self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_url(number: int) -> str:
    """This page's address at page `number`, keeping its filters and search (not ?lang=)."""
    args: dict[str, Any] = {k: request.args.getlist(k) for k in request.args if k not in ("page", "lang")}
    args.update(request.view_args or {})
    args["page"] = number
    return url_for(request.endpoint or "core.index", **args)
