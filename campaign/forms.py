"""Form pieces shared by features."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import flash, g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from wtforms import BooleanField, Field, SelectMultipleField, widgets

# WTForms 3.3 added SelectChoice (tuple choices are deprecated); types-wtforms 3.2 does not know
# it yet, so mypy sees Any here. Import it from this module.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, ValidationError

from campaign import i18n

if TYPE_CHECKING:
    from _typeshed import SupportsItems

__all__ = ["ConfirmActionForm", "FlaskForm", "MultiCheckboxField", "SelectChoice", "choice_list", "confirmed"]

# Fields no label points at: rendered without an id, so a page holding many forms (a list with a
# button per row, each form with its CSRF token) has no duplicate ids.
_NO_ID = frozenset({"CSRFTokenField", "HiddenField", "SubmitField"})


class FlaskForm(_FlaskForm):
    """The house form: Flask-WTF's, with hidden fields and buttons rendered without an id, and
    never acting on the language switch of a posted page (it re-renders, in the other language,
    with what was typed)."""

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        if not self.is_submitted():
            return False
        valid = self.validate(extra_validators=extra_validators)
        if i18n.switching():
            # Keep the messages of what is wrong, now in the chosen language; do nothing else.
            g.posted_form_shown = True
            return False
        if not valid:
            g.posted_form_shown = True  # the page shows this form again: the switch must re-post it
        return valid

    class Meta(DefaultMeta):
        def render_field(self, field: Field, render_kw: SupportsItems[str, Any]) -> Any:
            attrs = dict(render_kw.items())
            if field.type in _NO_ID:
                attrs.setdefault("id", False)
            return super().render_field(field, attrs)


class ConfirmActionForm(FlaskForm):
    """The form of a destructive action (revoke, remove, block...): it acts only when its "yes"
    box is ticked. The box is `required`, so a browser stops first; this check holds without it.
    Rendered by the `confirm_button` macro (templates/macros/forms.html)."""

    confirmed = BooleanField(validators=[DataRequired()])


def shown_again() -> None:
    """The page answering this POST shows its form again (a preview): the language switch re-sends it."""
    g.posted_form_shown = True


def confirmed() -> bool:
    """Whether the posted destructive action was confirmed; if not, says so (nothing is done)."""
    if ConfirmActionForm().validate_on_submit():
        return True
    flash(str(_l("Nothing was done: tick the box beside the button to confirm.")), "error")
    return False


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
