"""What each feature holds on a person, found by their email address.

A feature registers a Holder: `collect(email)` returns the records it keeps on that address (plain
JSON-ready dicts), `erase(email)` removes or blanks the personal fields and returns how many
records it touched, keeping counts and anonymous history. Help requests are never registered:
they are reached only by their receipt code.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Holder:
    key: str
    collect: Callable[[str], list[dict[str, Any]]]
    erase: Callable[[str], int]
    # Tables whose rows `erase` deletes or blanks: vacuumed afterwards (campaign/erasure.py).
    tables: tuple[str, ...] = ()


_holders: dict[str, Holder] = {}


def register(holder: Holder) -> None:
    _holders[holder.key] = holder


def holders() -> list[Holder]:
    return list(_holders.values())
