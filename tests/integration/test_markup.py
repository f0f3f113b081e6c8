"""Markup checks that need no Java or browser, on every page of the walk (the full validators run
in tests/browser/test_valid_accessible.py): unique ids, labels that point at their own field, no
empty form action, help text escaped."""
from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

from tests.page_walk import seed_demo, walks


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.label_for: list[str] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None
        self.empty_actions = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids[a["id"] or ""] += 1
        if tag == "label" and a.get("for"):
            self._label = a["for"]
            self.label_for.append(a["for"] or "")
            self.labels[self._label or ""] = ""
        if tag == "form" and "action" in a and not a["action"]:
            self.empty_actions += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label:
            self.labels[self._label] += data


def test_ids_unique_labels_point_home_no_empty_action(app):
    """No page repeats an id (the CSRF field did, 301 times), every label names a field that exists,
    no form has `action=""`, and help text shows `<slug>` as text."""
    seed_demo(app)
    problems = []
    case_pages = 0
    for w in walks(app, "en"):
        for visit in w.pages:
            html = visit.text()
            parser = _Ids()
            parser.feed(html)
            where = f"{w.who} {visit.url}"
            repeated = sorted(i for i, n in parser.ids.items() if n > 1)
            if repeated:
                problems.append(f"{where}: repeated ids {repeated}")
            dangling = sorted(set(parser.label_for) - set(parser.ids))
            if dangling:
                problems.append(f"{where}: labels for missing fields {dangling}")
            if parser.empty_actions:
                problems.append(f"{where}: empty form action")
            if "<slug>" in html:
                problems.append(f"{where}: unescaped <slug>")
            if re.match(r"/cases/\d+$", visit.url) and w.who == "caseworker":
                case_pages += 1
                assert parser.labels.get("note-text", "").strip() == "Private note"
                assert "Private note" not in parser.labels.get("text", "")
                assert re.search(r'<textarea[^>]*id="note-text"', html)
    assert case_pages == 1
    assert problems == [], "\n".join(problems[:40])
