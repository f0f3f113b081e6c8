"""Form pieces shared by features."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import SelectMultipleField, widgets

# WTForms 3.3 added SelectChoice (tuple choices are deprecated); types-wtforms 3.2 does not know
# it yet, so mypy sees Any here. Import it from this module.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

__all__ = ["MultiCheckboxField", "SelectChoice", "choice_list"]


def choice_list(pairs: Iterable[tuple[Any, object]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices; a label may be a lazy string."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice (usable without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        super().pre_validate(form)
