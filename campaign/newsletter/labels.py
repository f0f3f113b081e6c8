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
