"""Stored codes shown to people: each feature keeps a labels module mapping its codes to lazy strings.

Pages (through template filters), exports and charts all read the same mappings, so a status,
channel or role reads the same everywhere and in the language of the person looking. A code
without a label is shown as it is stored (a free-text value, or a code added since).
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint

Labels = Mapping[str, object]


def label(labels: Labels, code: object) -> str:
    """The label of one stored code, in the current language; '' for an empty value."""
    if code is None or code == "":
        return ""
    key = getattr(code, "value", code)  # an enum member or its value
    return str(labels.get(str(key), key))


def label_list(labels: Labels, codes: str | None, sep: str = ", ") -> str:
    """The labels of a comma-separated list of codes (skills, languages, kinds)."""
    return sep.join(label(labels, c.strip()) for c in (codes or "").split(",") if c.strip())


def add_filters(bp: Blueprint, **filters: Labels) -> None:
    """Template filters `{{ code|<name> }}` for each mapping, registered for the whole app."""
    for name, labels in filters.items():
        bp.add_app_template_filter(lambda code, labels=labels: label(labels, code), name)
