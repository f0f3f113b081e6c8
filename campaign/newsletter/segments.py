"""The audience narrowing an issue may carry, as contributed by the features that own the data.

Features declare `Audience`s in their manifest (campaign/features.py). An issue stores "key" or,
for an audience with choices, "key:value". The newsletter applies its own rules on top of every
audience (confirmed subscribers, the issue's topics and languages), so an audience can never reach
someone who has not opted in.
"""
from __future__ import annotations

from sqlalchemy import Select

from campaign.features import registry


class UnknownSegment(Exception):
    """The issue names an audience that no feature of this app contributes."""


def options() -> list[tuple[str, str]]:
    """(stored value, label) for every audience and choice, for the composer's select."""
    found: list[tuple[str, str]] = []
    for audience in registry().audiences.values():
        if audience.choices is None:
            found.append((audience.key, str(audience.label)))
        else:
            found.extend(
                (f"{audience.key}:{value}", f"{audience.label}: {label}") for value, label in audience.choices()
            )
    return found


def query(stored: str) -> Select[int]:
    """The subscriber-id SELECT of a stored "key" or "key:value"."""
    key, _sep, value = stored.partition(":")
    audience = registry().audiences.get(key)
    if audience is None:
        raise UnknownSegment(key)
    return audience.query(value if audience.choices is not None else None)


def label(stored: str) -> str:
    return dict(options()).get(stored, stored)
