"""The audience narrowing an issue may carry, as contributed by the features that own the data.

Features declare `Audience`s in their manifest (campaign/features.py). An issue stores "key" or,
for an audience with choices, "key:value". Each audience answers for a `sender` (the staff member
sending, or who scheduled, the issue): it offers and reaches only people the sender may see (the
visibility policy), whatever value an issue stored. The newsletter applies its own rules on top
(confirmed subscribers, the issue's topics and languages). An audience may add `Contacts`, people
who agreed to be mailed in its own feature (volunteers), subscribed or not; so an audience never
reaches someone who opted in to neither.
"""
from __future__ import annotations

from sqlalchemy import Select

from campaign.auth.models import User
from campaign.features import ContactRows, Contacts, Leave, registry


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


def contacts(stored: str, sender: User | None) -> tuple[str, ContactRows] | None:
    """(contacts key, SELECT of id, email, name, locale) of the people a stored audience reaches
    outside the subscriber list, or None when it reaches subscribers only."""
    key, _sep, value = stored.partition(":")
    audience = registry().audiences.get(key)
    if audience is None or audience.contacts is None:
        return None
    return audience.contacts.key, audience.contacts.query(value if audience.choices is not None else None, sender)


def contact_source(key: str) -> Contacts | None:
    """The contacts of kind `key` ("volunteer"), as some audience of this app declares them."""
    for audience in registry().audiences.values():
        if audience.contacts is not None and audience.contacts.key == key:
            return audience.contacts
    return None


def label(stored: str, sender: User | None) -> str:
    return dict(options(sender)).get(stored, stored)


def reaches_limited(stored: str) -> bool:
    """Whether the stored audience may reach subscribers who joined for it alone."""
    audience = registry().audiences.get(stored.partition(":")[0])
    return audience is not None and audience.limited


def leave_of(stored: str) -> tuple[Leave, str | None] | None:
    """(how to leave it, its value) when the stored audience can be left on its own, or None."""
    key, _sep, value = stored.partition(":")
    audience = registry().audiences.get(key)
    if audience is None or audience.leave is None:
        return None
    return audience.leave, (value if audience.choices is not None else None)
