"""Audience segments other features add to the newsletter's composer.

A segment narrows an issue's audience to subscribers that another feature knows about. Register
one when your blueprint is set up (at import of your routes or tasks module):

    from campaign.newsletter.segments import register_segment

    def _signers(value: str | None, sender: User | None) -> Select[tuple[int]]:
        # Subscriber ids of people who signed petition `value` and opted in to the newsletter.
        return select(Subscriber.id).join(...).where(Signature.petition_id == int(value))

    register_segment(
        "petition", _l("Signers of a petition"), _signers,
        choices=lambda sender: [(str(p.id), p.title) for p in open_petitions()],
    )

- `key`: a short stable name; an issue stores "key" or, with choices, "key:value".
- `label`: shown in the composer (use lazy_gettext).
- `query_fn(value, sender)`: returns a SELECT of `Subscriber.id`; value is None for segments without
  choices. `sender` is the staff member sending (or who scheduled) the issue: a segment must reach
  only people the sender may see (the visibility policy), whatever value was stored.
  The newsletter still applies its own rules on top: only confirmed subscribers, the issue's topics
  and languages. So a segment can never reach someone who has not opted in.
- `choices(sender)`: optional; (value, label) pairs the sender may see, e.g. one per petition.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select

from campaign.auth.models import User

QueryFn = Callable[[str | None, User | None], Select[tuple[int]]]
ChoicesFn = Callable[[User | None], list[tuple[str, str]]]


class UnknownSegment(Exception):
    """The issue names a segment that is not (or no longer) registered."""


@dataclass(frozen=True)
class Segment:
    key: str
    label: object
    query_fn: QueryFn
    choices: ChoicesFn | None = None


_segments: dict[str, Segment] = {}


def register_segment(key: str, label: object, query_fn: QueryFn, choices: ChoicesFn | None = None) -> None:
    """Add (or replace, on a second registration) the segment `key`."""
    if ":" in key:
        raise ValueError("segment keys cannot contain ':'")
    _segments[key] = Segment(key, label, query_fn, choices)


def options(sender: User | None) -> list[tuple[str, str]]:
    """(stored value, label) for every segment and choice `sender` may see, for the composer."""
    found: list[tuple[str, str]] = []
    for segment in _segments.values():
        if segment.choices is None:
            found.append((segment.key, str(segment.label)))
        else:
            found.extend((f"{segment.key}:{value}", f"{segment.label}: {label}") for value, label in segment.choices(sender))
    return found


def query(stored: str, sender: User | None) -> Select[tuple[int]]:
    """The subscriber-id SELECT of a stored "key" or "key:value", as `sender` may reach it."""
    key, _sep, value = stored.partition(":")
    segment = _segments.get(key)
    if segment is None:
        raise UnknownSegment(key)
    return segment.query_fn(value if segment.choices is not None else None, sender)


def label(stored: str, sender: User | None) -> str:
    return dict(options(sender)).get(stored, stored)
