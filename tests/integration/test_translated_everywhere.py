"""A Chinese reader never meets a stored code or an English label: every staff page, the volunteer
space, the public pages and every export, rendered with the demo data in Chinese."""
from __future__ import annotations

import csv
import enum
import importlib
import io
import pkgutil
import re
from collections.abc import Iterable, Mapping

import openpyxl
import pytest
from flask_babel import force_locale
from flask_babel.speaklater import LazyString

import campaign
from campaign import happenings
from campaign.api.scopes import OWN as API_OWN
from campaign.intake.forms import STATUS_LABELS as CASE_STATUS_LABELS
from campaign.intake.takedowns.forms import RESPONSE_LABELS
from campaign.newsletter.services import TOPICS
from tests.page_walk import Visit, not_covered, seed_demo, visible_text, walks

Labels = Mapping[object, object] | list[tuple[str, object]]
# Kept outside a labels module: beside the form that offers them, or in the newsletter's services.
ELSEWHERE: list[Labels] = [
    CASE_STATUS_LABELS, RESPONSE_LABELS, TOPICS,
    {event.kind: event.label for event in API_OWN.hook_events},
]
# An API scope is named by its code wherever keys are dealt with (it is what a partner's script
# asks for); its description is a label like any other.
SCOPE_NAMES = {scope.name for scope in API_OWN.scopes}
LABELS_ONLY: list[Labels] = [{scope.name: scope.label for scope in API_OWN.scopes}]
# The API's reference page also names each webhook event type by its code, beside its label, as
# partners' receivers see it.
CODES_SHOWN_ON = {"api.docs": SCOPE_NAMES | {event.kind for event in API_OWN.hook_events},
                  "api.key_list": SCOPE_NAMES, "api.webhook_list": SCOPE_NAMES, "api.webhook": SCOPE_NAMES}


def _is_labels(value: object) -> bool:
    """A mapping or list of (code, lazy label) pairs."""
    pairs = list(value.items()) if isinstance(value, Mapping) else value if isinstance(value, list) else []
    return bool(pairs) and all(
        isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], LazyString) for pair in pairs)


def discovered() -> tuple[list[type[enum.Enum]], list[Labels]]:
    """Every stored-code enum (in a feature's models) and every labels mapping (in a feature's
    labels or choices module) of the app: a feature added later is covered without editing this test."""
    enums: list[type[enum.Enum]] = []
    labels: list[Labels] = []
    for info in pkgutil.walk_packages(campaign.__path__, "campaign."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf not in ("models", "labels", "choices"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, enum.Enum) and value.__module__ == module.__name__:
                enums.append(value)
            elif leaf != "models" and _is_labels(value):
                labels.append(value)
    return enums, labels + ELSEWHERE


# Shorter codes (`x`, `qq`, `zh`) are too often part of an address or a name to look for.
SHORTEST_CODE = 3
SEPARATORS = re.compile(r"[\s·,;:()（），：、/|]+")


def _pairs(labels: Labels) -> Iterable[tuple[str, object]]:
    items = labels.items() if isinstance(labels, Mapping) else labels
    for code, lazy in items:
        yield str(getattr(code, "value", code)), lazy


def forbidden() -> tuple[set[str], set[str]]:
    """(stored codes, English labels) that must not reach a Chinese reader."""
    enums, every_labels = discovered()
    codes = {str(member.value) for kind in enums for member in kind}
    phrases: set[str] = set()
    for labels in [*every_labels, *LABELS_ONLY]:
        for code, lazy in _pairs(labels):
            with force_locale("en"):
                english = str(lazy)
            with force_locale("zh_Hans"):
                chinese = str(lazy)
            if english != chinese:
                phrases.add(english)
            if code != chinese and not any(labels is only for only in LABELS_ONLY):
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


def _without(texts: list[str], shown: set[str]) -> list[str]:
    """The texts with the codes a page shows on purpose taken out."""
    for code in sorted(shown, key=len, reverse=True):
        texts = [text.replace(code, " ") for text in texts]
    return texts


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
    # The labels of the features added since: events, the API's deliveries and webhooks, petition updates.
    assert {"delivered", "published", "waiting", "answer", happenings.RSVP_CANCELLED} <= codes
    assert {"Place confirmed", "Subscriber joined", "The target's answer", "Paper"} <= phrases
    problems: dict[str, set[str]] = {}
    pages = downloads = 0
    for w in done:
        assert [v.url for v in w.visits if v.status >= 500] == []
        for visit in w.pages:
            pages += 1
            bad = offending(_without(_text_nodes(visit.text()), CODES_SHOWN_ON.get(visit.endpoint, set())),
                            codes, phrases)
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
