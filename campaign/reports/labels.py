"""What the reports show people: section, table and column titles, and the labels of the codes in
the tables (channels, statuses, skills, kinds, platforms), for pages, charts and exports alike."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from campaign.content import pick
from campaign.i18n import LANGUAGE_LABELS, locale_code
from campaign.intake.choices import KINDS, PLATFORMS
from campaign.labels import Labels, label, label_list
from campaign.newsletter.labels import SUBSCRIBER_STATUS_LABELS
from campaign.newsletter.services import TOPICS
from campaign.petitions.labels import CHANNEL_LABELS, DISPLAY_LABELS, SIGNATURE_STATUS_LABELS, SOURCE_LABELS
from campaign.volunteers.labels import (
    CONTACT_KINDS,
    LANGUAGES,
    PRIORITY_LABELS,
    SKILLS,
    STATUS_LABELS,
    TASK_STATUS_LABELS,
)

SECTION_TITLES: dict[str, object] = {
    "petitions": _l("Petitions"),
    "volunteers": _l("Volunteers"),
    "groups": _l("Working groups"),
    "newsletter": _l("Newsletter"),
    "events": _l("Events"),
    "intake": _l("Help requests and takedowns"),
}
# Each title says what is counted, and over what.
TABLE_TITLES: dict[str, object] = {
    "signatures_per_day": _l("Confirmed signatures per day"),
    "signatures_total": _l("Confirmed signatures so far, against the goal"),
    "confirmation": _l("Confirmation rate"),
    "by_region": _l("Signatures by region"),
    "by_channel": _l("Signatures by share channel"),
    "by_source": _l("Signatures by source"),
    "comments": _l("Comments"),
    "funnel": _l("Volunteer funnel"),
    "time_to_first_contact": _l("Days from sign-up to first contact"),
    "by_group": _l("Members by working group"),
    "by_skill": _l("Volunteers by skill"),
    "by_language": _l("Volunteers by language"),
    "went_quiet": _l("Active volunteers who went quiet (30 days)"),
    "tasks_by_group": _l("Tasks by working group"),
    "done_per_week": _l("Tasks done per week"),
    "subscribers_over_time": _l("Subscribers over time"),
    "subscribers_by_status": _l("Subscribers by status"),
    "issues": _l("Newsletter issues"),
    "requests_per_week_by_type": _l("Help requests per week by type"),
    "takedowns_by_platform": _l("Takedown requests by platform"),
    "events": _l("Events: replies, arrivals and new people"),
}
COLUMN_TITLES: dict[str, object] = {
    "day": _l("Day"), "week": _l("Week"), "signatures": _l("Signatures"), "cumulative": _l("Total so far"),
    "goal": _l("Goal"), "signed": _l("Signed"), "confirmed": _l("Confirmed"), "rate": _l("Rate"),
    "region": _l("Region"), "channel": _l("Channel"), "comments": _l("Comments"), "stage": _l("Stage"),
    "source": _l("Source"),
    "reached": _l("Reached"), "now": _l("Now"), "contacted": _l("Contacted"), "median_days": _l("Median days"),
    "mean_days": _l("Mean days"), "group": _l("Working group"),
    "members": _l("Members"), "leads": _l("Leads"), "skill": _l("Skill"), "language": _l("Language"),
    "count": _l("Count"), "active_without_activity_30_days": _l("Active, no activity in 30 days"),
    "open": _l("Open"), "done": _l("Done"), "overdue": _l("Overdue"), "active_members": _l("Active members"),
    "open_per_active_member": _l("Open tasks per active member"), "joined": _l("Joined"),
    "unsubscribed": _l("Unsubscribed"), "net_total": _l("Subscribers"), "status": _l("Status"),
    "subscribers": _l("Subscribers"), "issue_id": _l("Issue"), "subject": _l("Subject"), "started_at": _l("Sent on"),
    "sent": _l("Sent"), "failed": _l("Failed"), "recipients": _l("Recipients"),
    "unsubscribed_within_7_days": _l("Unsubscribed within 7 days"), "delivery_rate": _l("Delivery rate"),
    "kind": _l("Type"), "requests": _l("Requests"), "platform": _l("Platform"), "filed": _l("Filed"),
    "answered": _l("Answered"), "response_rate": _l("Response rate"), "removed": _l("Removed"),
    "median_days_to_removal": _l("Median days to removal"), "still_online": _l("Still online"),
    "title": _l("Title"), "capacity": _l("Places"),
    "rsvps": _l("Replies confirmed by mail"), "places_taken": _l("Places taken"), "checked_in": _l("Checked in"),
    "walk_ins": _l("Walk-ins"), "show_rate": _l("Show rate"), "new_people": _l("New people"),
}
# Columns holding a translated text ({locale code: text}): a working group's name, an event's title,
# an issue's subject. Shown in the reader's language, whatever the languages configured.
TRANSLATED_COLUMNS = ("group", "title", "subject")
# The codes in each report table's columns.
VALUE_LABELS: dict[str, dict[str, Labels]] = {
    "by_channel": {"channel": {**CHANNEL_LABELS, "—": CHANNEL_LABELS[""]}},  # no channel: came directly
    "by_source": {"source": SOURCE_LABELS},
    "funnel": {"stage": {s.value: lab for s, lab in STATUS_LABELS.items()}},
    "by_skill": {"skill": dict(SKILLS)},
    "by_language": {"language": dict(LANGUAGES)},
    "subscribers_by_status": {"status": SUBSCRIBER_STATUS_LABELS},
    "requests_per_week_by_type": {"kind": dict(KINDS)},
    "takedowns_by_platform": {"platform": dict(PLATFORMS)},
}

# The raw (personal-data) lists: their titles, column titles, and the columns holding codes.
RAW_LIST_TITLES: dict[str, object] = {
    "signatures": _l("Signatures"), "subscribers": _l("Subscribers"), "volunteers": _l("Volunteers"),
    "tasks": _l("Tasks"),
}
RAW_COLUMN_TITLES: dict[str, object] = {
    "petition": _l("Petition"), "name": _l("Name"), "email": _l("Email"), "region": _l("Region"),
    "comment": _l("Comment"), "display": _l("Name shown as"), "status": _l("Status"), "channel": _l("Channel"),
    "newsletter": _l("Newsletter"), "signed_via": _l("Signed via"), "signed_at": _l("Signed at"),
    "confirmed_at": _l("Confirmed at"),
    "language": _l("Language"), "topics": _l("Topics"), "source": _l("Consent source"),
    "joined_at": _l("Joined at"), "unsubscribed_at": _l("Unsubscribed at"), "nickname": _l("Nickname"),
    "contact_kind": _l("Secure contact"), "contact": _l("Contact"), "languages": _l("Languages"),
    "skills": _l("Skills"), "hours_per_week": _l("Hours per week"), "tags": _l("Tags"),
    "group": _l("Working group"), "title": _l("Title"),
    "priority": _l("Priority"), "due_on": _l("Due on"), "created_at": _l("Created at"),
}
_ONE = 0
_LIST = 1
RAW_VALUE_LABELS: dict[str, dict[str, tuple[int, Labels]]] = {
    "signatures": {"display": (_ONE, DISPLAY_LABELS), "status": (_ONE, SIGNATURE_STATUS_LABELS),
                   "channel": (_ONE, CHANNEL_LABELS), "signed_via": (_ONE, SOURCE_LABELS)},
    "subscribers": {"language": (_ONE, LANGUAGE_LABELS), "topics": (_LIST, TOPICS),
                    "status": (_ONE, SUBSCRIBER_STATUS_LABELS)},
    "volunteers": {"contact_kind": (_ONE, dict(CONTACT_KINDS)), "languages": (_LIST, dict(LANGUAGES)),
                   "skills": (_LIST, dict(SKILLS)), "status": (_ONE, {s.value: x for s, x in STATUS_LABELS.items()})},
    "tasks": {"status": (_ONE, {s.value: x for s, x in TASK_STATUS_LABELS.items()}),
              "priority": (_ONE, {p.value: x for p, x in PRIORITY_LABELS.items()})},
}


def column_title(column: str) -> str:
    return str(COLUMN_TITLES.get(column, column))


def _in_reader_language(value: Any) -> Any:
    """A translated text ({locale code: text}) in the reader's language or its fallback."""
    return pick(value, locale_code(get_locale())) if isinstance(value, dict) else value


def _translated(frame: pd.DataFrame) -> pd.DataFrame:
    found = [column for column in TRANSLATED_COLUMNS if column in frame.columns]
    if not found or frame.empty:
        return frame
    out = frame.copy()
    for column in found:
        out[column] = out[column].map(_in_reader_language)
    return out


def labelled(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its code columns replaced by their labels and its translated texts in the
    reader's language (a fallback is a `Shown` that says so), in the current language."""
    frame = _translated(frame)
    columns = VALUE_LABELS.get(table, {})
    if not columns or frame.empty:
        return frame
    out = frame.copy()
    for column, labels in columns.items():
        if column in out.columns:
            out[column] = out[column].map(lambda code, labels=labels: label(labels, code) or "—")
    return out


def _plain_text(value: Any) -> Any:
    """A translated text as plain `str` in the reader's language, for a file."""
    shown = _in_reader_language(value)
    return str(shown) if isinstance(shown, str) else shown


def for_export(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a download: codes labelled, columns titled, in the current language."""
    out = labelled(table, frame)
    for column in TRANSLATED_COLUMNS:
        if column in out.columns:
            out[column] = out[column].map(_plain_text)
    return out.rename(columns=column_title)


def _converter(labels: Labels, many: bool) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return label_list(labels, value) if many else label(labels, value)

    return convert


def raw_export(kind: str, header: list[str], rows: Iterator[Sequence[Any]]) -> tuple[list[str], Iterator[list[Any]]]:
    """A raw list's titles and rows with its codes labelled and its translated texts in the
    reader's language."""
    coded = RAW_VALUE_LABELS.get(kind, {})
    convert: list[Callable[[Any], Any] | None] = []
    for column in header:
        if column in TRANSLATED_COLUMNS:
            convert.append(_plain_text)
        elif column in coded:
            how, labels = coded[column]
            convert.append(_converter(labels, many=how == _LIST))
        else:
            convert.append(None)

    def converted() -> Iterator[list[Any]]:
        for row in rows:
            yield [value if fn is None else fn(value) for fn, value in zip(convert, row, strict=False)]

    titles = [str(RAW_COLUMN_TITLES.get(c, c)) for c in header]
    return titles, converted()
