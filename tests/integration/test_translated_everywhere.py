"""A Chinese reader never meets a stored code or an English label: every staff page, the volunteer
space, the public pages and every export, rendered with the demo data in Chinese."""
from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterable, Mapping

import openpyxl
import pytest
from flask_babel import force_locale

from campaign.audit.labels import ACTION_LABELS, TARGET_LABELS
from campaign.auth.labels import ROLE_LABELS
from campaign.auth.models import Role
from campaign.intake import choices as intake_choices
from campaign.intake.forms import STATUS_LABELS as CASE_STATUS_LABELS
from campaign.intake.models import Status as CaseStatus
from campaign.intake.takedowns.forms import RESPONSE_LABELS
from campaign.newsletter import labels as newsletter_labels
from campaign.newsletter.models import IssueStatus, SubscriberStatus
from campaign.newsletter.services import TOPICS
from campaign.petitions import labels as petition_labels
from campaign.petitions.models import PetitionStatus, SignatureStatus
from campaign.reports import labels as report_labels
from campaign.volunteers import labels as volunteer_labels
from campaign.volunteers.models import Priority, TaskStatus
from campaign.volunteers.models import Status as VolunteerStatus
from tests.page_walk import Visit, not_covered, seed_demo, visible_text, walks

ENUMS: list[type[enum.Enum]] = [Role, VolunteerStatus, TaskStatus, Priority, CaseStatus, PetitionStatus,
                                SignatureStatus, SubscriberStatus, IssueStatus]
LABELS: list[Mapping[object, object] | list[tuple[str, object]]] = [
    ROLE_LABELS, ACTION_LABELS, TARGET_LABELS, CASE_STATUS_LABELS, RESPONSE_LABELS, TOPICS,
    intake_choices.KINDS, intake_choices.PLATFORMS, intake_choices.HELP_WANTED, intake_choices.CONTACT,
    newsletter_labels.SUBSCRIBER_STATUS_LABELS, newsletter_labels.ISSUE_STATUS_LABELS,
    petition_labels.PETITION_STATUS_LABELS, petition_labels.SIGNATURE_STATUS_LABELS,
    petition_labels.CHANNEL_LABELS, petition_labels.DISPLAY_LABELS,
    volunteer_labels.STATUS_LABELS, volunteer_labels.TASK_STATUS_LABELS, volunteer_labels.PRIORITY_LABELS,
    volunteer_labels.SKILLS, volunteer_labels.LANGUAGES, volunteer_labels.CONTACT_KINDS,
    report_labels.TABLE_TITLES, report_labels.COLUMN_TITLES, report_labels.RAW_COLUMN_TITLES,
]
# Shorter codes (`x`, `qq`, `zh`) are too often part of an address or a name to look for.
SHORTEST_CODE = 3
SEPARATORS = re.compile(r"[\s·,;:()（），：、/|]+")


def _pairs(labels: Mapping[object, object] | list[tuple[str, object]]) -> Iterable[tuple[str, object]]:
    items = labels.items() if isinstance(labels, Mapping) else labels
    for code, lazy in items:
        yield str(getattr(code, "value", code)), lazy


def forbidden() -> tuple[set[str], set[str]]:
    """(stored codes, English labels) that must not reach a Chinese reader."""
    codes = {str(member.value) for kind in ENUMS for member in kind}
    phrases: set[str] = set()
    for labels in LABELS:
        for code, lazy in _pairs(labels):
            with force_locale("en"):
                english = str(lazy)
            with force_locale("zh_Hans"):
                chinese = str(lazy)
            if english != chinese:
                phrases.add(english)
            if code != chinese:
                codes.add(code)
    return {c for c in codes if len(c) >= SHORTEST_CODE}, phrases


def offending(texts: Iterable[str], codes: set[str], phrases: set[str], words: bool = True) -> set[str]:
    """The codes and English labels among `texts`: whole texts, and (on pages) the words within,
    where a code may sit beside a number or another label ("telegram 344")."""
    found = set()
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if text in phrases or text in codes:
            found.add(text)
        for token in SEPARATORS.split(text) if words else ():
            if token in codes:
                found.add(token)
    return found


def _export_cells(visit: Visit) -> list[str]:
    if visit.mimetype == "text/csv":
        return [cell for row in csv.reader(io.StringIO(visit.body.decode("utf-8-sig"))) for cell in row]
    if "spreadsheetml" in visit.mimetype:
        book = openpyxl.load_workbook(io.BytesIO(visit.body), read_only=True)
        cells = list(book.sheetnames)
        for sheet in book.worksheets:
            cells += [str(v) for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]
        return cells
    return []


def _text_nodes(html: str) -> list[str]:
    return visible_text(html).split("\n")


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_every_page_and_export_is_chinese_for_a_chinese_reader(app, lang):
    """Statuses, roles, channels, platforms, audit actions, chart categories and export headers all
    reach a Chinese reader in Chinese (found: `telegram`, `hidden_camera`, `user.enable_2fa`,
    `group_zh`, "301 person")."""
    seed_demo(app)
    done = walks(app, lang)
    assert not_covered(app, done) == set(), "a GET page no walk reaches: link it, or list it in NOT_WALKED"
    codes, phrases = forbidden()
    assert {"telegram", "hidden_camera", "user.enable_2fa", "open_per_active_member", "in_progress"} <= codes
    problems: dict[str, set[str]] = {}
    pages = downloads = 0
    for w in done:
        assert [v.url for v in w.visits if v.status >= 500] == []
        for visit in w.pages:
            pages += 1
            bad = offending(_text_nodes(visit.text()), codes, phrases)
            if re.search(r"\d+ (person|people)\b", visible_text(visit.text())):
                bad.add("person/people")
            if bad:
                problems[f"{w.who} {visit.url}"] = bad
        for visit in w.downloads:
            cells = _export_cells(visit)
            if cells:
                downloads += 1
                bad = offending(cells, codes, phrases, words=False)  # a cell is one value
                if bad:
                    problems[f"{w.who} {visit.url}"] = bad
    assert pages > 60 and downloads > 20
    assert problems == {}, "\n".join(f"{where}: {sorted(bad)}" for where, bad in sorted(problems.items()))
