"""The embeddable petition: its form token, its framing policy and its counter badge.

Inside a partner's frame the browser sends none of our SameSite=Lax cookies, so Flask-WTF's
session-bound CSRF token cannot work. The embed form carries instead a sealed token naming the
petition and the time the form was served (campaign/tokens.py): it cannot be forged or moved to
another petition, expires after EMBED_TOKEN_SECONDS, and gives the time-to-submit check its start.
What remains of CSRF's threat (someone else's page submitting a signature in a visitor's name)
is what the confirmation mail already answers: nothing counts until the address's owner confirms.
"""
from __future__ import annotations

import time
from html import escape

from flask import current_app

from campaign import tokens
from campaign.security import csp_framed_by

PURPOSE = "petition-embed"
EMBED_TOKEN_SECONDS = 6 * 3600


class EmbedTokenInvalid(Exception):
    """The form's token is missing, forged, for another petition or too old."""


def make_token(petition_id: int) -> str:
    return tokens.make(PURPOSE, petition_id, int(time.time()))


def check_token(token: str, petition_id: int) -> bool:
    """Whether the token is genuine and for this petition; True also means "sent too quickly"
    is decided: returns False for a genuine token that came back faster than a person types."""
    try:
        subject, issued = tokens.read(PURPOSE, token, EMBED_TOKEN_SECONDS)
    except tokens.TokenInvalid:
        raise EmbedTokenInvalid() from None
    if subject != petition_id or not isinstance(issued, int):
        raise EmbedTokenInvalid()
    minimum = current_app.config["FORM_MIN_SECONDS"]
    return not (minimum > 0 and time.time() - issued < minimum)


def frame_headers(origins: list[str]) -> dict[str, str]:
    """The embed pages' CSP: today's policy with `frame-ancestors` naming the petition's sites
    (none configured: 'none', so the page still works opened directly)."""
    return {"Content-Security-Policy": csp_framed_by(origins)}


def badge_svg(count: int, label: str) -> str:
    """A small counter badge; the label and number are escaped (the label is organiser text)."""
    number = f"{count:,}"
    left = max(40, 7 * len(label) + 14)
    right = 8 * len(number) + 16
    width = left + right
    text_label = escape(label)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="24" role="img" '
        f'aria-label="{text_label}: {number}">'
        f"<title>{text_label}: {number}</title>"
        f'<rect width="{left}" height="24" fill="#444"/>'
        f'<rect x="{left}" width="{right}" height="24" fill="#8a1538"/>'
        f'<g fill="#fff" font-family="Noto Sans CJK SC, sans-serif" font-size="12">'
        f'<text x="7" y="16">{text_label}</text>'
        f'<text x="{left + 8}" y="16">{number}</text></g></svg>'
    )
