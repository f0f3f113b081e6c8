"""Petition codes as people read them: petition and signature states, share channels, name display."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.petitions.models import Display, PetitionStatus, SignatureStatus, Source, UpdateKind

PETITION_STATUS_LABELS: dict[str, object] = {
    PetitionStatus.DRAFT.value: _l("Draft"),
    PetitionStatus.OPEN.value: _l("Open for signing"),
    PetitionStatus.CLOSED.value: _l("Closed"),
}
SIGNATURE_STATUS_LABELS: dict[str, object] = {
    SignatureStatus.PENDING.value: _l("Pending"),
    SignatureStatus.CONFIRMED.value: _l("Confirmed"),
}
# The share channel a signer came through (`?src=` on the petition's address).
CHANNEL_LABELS: dict[str, object] = {
    "": _l("direct"),
    "weibo": _l("Weibo"),
    "telegram": _l("Telegram"),
    "x": _l("X (Twitter)"),
    "whatsapp": _l("WhatsApp"),
    "email": _l("Email"),
    "wechat": _l("WeChat"),
    "link": _l("Copied link"),
    "poster": _l("Poster"),
}
DISPLAY_LABELS: dict[str, object] = {
    Display.FULL.value: _l("Full name"),
    Display.INITIALS.value: _l("Initials"),
    Display.ANONYMOUS.value: _l("Anonymous"),
}
UPDATE_KIND_LABELS: dict[str, object] = {
    UpdateKind.UPDATE.value: _l("Update"),
    UpdateKind.ANSWER.value: _l("The target's answer"),
}
SOURCE_LABELS: dict[str, object] = {
    Source.ONLINE.value: _l("Online"),
    Source.PAPER.value: _l("Paper"),
}
