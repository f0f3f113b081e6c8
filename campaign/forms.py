"""Form pieces shared by features."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectMultipleField, widgets

# WTForms 3.3 added SelectChoice (tuple choices are deprecated); types-wtforms 3.2 does not know
# it yet, so mypy sees Any here. Import it from this module.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import ValidationError

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


class Deliverable:
    """Refuse an address the mail path cannot carry (non-ASCII letters without SMTPUTF8).

    Without this check such an address would be accepted and then fail in the worker; with
    MAIL_SMTPUTF8 on (the server offers SMTPUTF8) it is accepted and delivered.
    """

    def __call__(self, form: Any, field: Field) -> None:
        from campaign.mail.services import deliverable

        value = field.data
        if isinstance(value, str) and value and not deliverable(value.strip()):
            raise ValidationError(str(_l(
                "Our mail server cannot deliver to an address with letters other than a–z, digits "
                "and common symbols. Please use another address."
            )))
