"""The audience narrowing an issue may carry, as contributed by the features that own the data.

Features declare `Audience`s in their manifest (campaign/features.py). An issue stores "key" or,
for an audience with choices, "key:value". Each audience answers for a `sender` (the staff member
sending, or who scheduled, the issue): it offers and reaches only people the sender may see (the
visibility policy), whatever value an issue stored. The newsletter applies its own rules on top
(confirmed subscribers, the issue's topics and languages), so an audience can never reach someone
who has not opted in.
"""
from __future__ import annotations

from sqlalchemy import Select

from campaign.auth.models import User
from campaign.features import registry


class UnknownSegment(Exception):
    """The issue names an audience that no feature of this app contributes."""


def options(sender: User | None) -> list[tuple[str, str]]:
    """(stored value, label) for every audience and choice `sender` may see, for the composer."""
    found: list[tuple[str, str]] = []
    for audience in registry().audiences.values():
        if audience.choices is None:
            found.append((audience.key, str(audience.label)))
        else:
            found.extend(
                (f"{audience.key}:{value}", f"{audience.label}: {label}") for value, label in audience.choices(sender)
            )
    return found


def query(stored: str, sender: User | None) -> Select[int]:
    """The subscriber-id SELECT of a stored "key" or "key:value", as `sender` may reach it."""
    key, _sep, value = stored.partition(":")
    audience = registry().audiences.get(key)
    if audience is None:
        raise UnknownSegment(key)
    return audience.query(value if audience.choices is not None else None, sender)


def label(stored: str, sender: User | None) -> str:
    return dict(options(sender)).get(stored, stored)


def reaches_limited(stored: str) -> bool:
    """Whether the stored audience may reach subscribers who joined for it alone."""
    audience = registry().audiences.get(stored.partition(":")[0])
    return audience is not None and audience.limited
