"""Form pieces shared by features."""
from __future__ import annotations

from typing import Any

from wtforms import SelectMultipleField, widgets


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice (usable without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        super().pre_validate(form)
