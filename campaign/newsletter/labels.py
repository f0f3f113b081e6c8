"""Newsletter codes as people read them: subscriber and issue states."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.newsletter.models import IssueStatus, SubscriberStatus

SUBSCRIBER_STATUS_LABELS: dict[str, object] = {
    SubscriberStatus.PENDING.value: _l("Awaiting confirmation"),
    SubscriberStatus.CONFIRMED.value: _l("Subscribed"),
    SubscriberStatus.UNSUBSCRIBED.value: _l("Unsubscribed"),
    SubscriberStatus.BOUNCED.value: _l("Address bounced"),
    SubscriberStatus.COMPLAINED.value: _l("Marked as spam"),
}
ISSUE_STATUS_LABELS: dict[str, object] = {
    IssueStatus.DRAFT.value: _l("draft"),
    IssueStatus.SCHEDULED.value: _l("scheduled"),
    IssueStatus.SENDING.value: _l("sending"),
    IssueStatus.PAUSED.value: _l("paused"),
    IssueStatus.SENT.value: _l("sent"),
    IssueStatus.CANCELLED.value: _l("cancelled"),
}


_SOURCE_KINDS: dict[str, object] = {
    "form": _l("Sign-up form"),
    "volunteer": _l("Volunteer sign-up"),
    "petition": _l("Petition signature"),
    "event": _l("Event reply"),
    "import": _l("Imported list"),
}


def subscriber_source(source: str) -> str:
    """Where a subscriber's consent came from ("petition:3", "import:substack-2025"), for people."""
    kind, _sep, detail = source.partition(":")
    label = _SOURCE_KINDS.get(kind)
    if label is None:
        return source
    return f"{label} ({detail})" if kind == "import" and detail else str(label)
