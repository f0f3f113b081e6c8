"""Forms for signing (public) and for editing petitions and filtering signatures (organisers)."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from campaign.content import TranslatedField
from campaign.forms import Deliverable, FlaskForm, SelectChoice
from campaign.petitions.milestones import parse_milestones
from campaign.petitions.models import Display, PetitionStatus, SignatureStatus, UpdateKind

# A web origin as CSP's frame-ancestors takes it: scheme, host and optional port; no path.
ORIGIN_SHAPE = re.compile(r"^https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
                          r"(?::\d{1,5})?/?\Z", re.IGNORECASE)
EMAIL_SHAPE = r"^[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\].]+\Z"

DISPLAY_CHOICES = [
    SelectChoice(Display.FULL.value, _l("My full name")),
    SelectChoice(Display.INITIALS.value, _l("My initials only")),
    SelectChoice(Display.ANONYMOUS.value, _l("Do not show my name")),
]


class SignForm(FlaskForm):
    class Meta:
        # CSRFProtect checks every POST before the view runs; the template uses csrf_token().
        # Skipping the form's second check and token keeps the rush path short.
        csrf = False

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)],
                       render_kw={"autocomplete": "name", "maxlength": 80})
    email = EmailField(
        _l("Email"),
        # A light syntax check is enough here: the confirmation mail is the real test of an
        # address, and the full validator cost a tenth of a signature's time (bench/signing.py).
        validators=[DataRequired(), Length(max=254),
                    Regexp(EMAIL_SHAPE, message=_l("Enter a valid email address.")), Deliverable()],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_l("We send you one mail with a link to confirm your signature."),
        render_kw={"autocomplete": "email", "maxlength": 254},
    )
    region = StringField(_l("Region (optional)"), validators=[Optional(), Length(max=60)],
                         description=_l("A province, city or country, e.g. 广东 or Hong Kong."),
                         render_kw={"maxlength": 60})
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=500)],
                            render_kw={"maxlength": 500, "rows": 3})
    display = RadioField(_l("Show my name in the public list as"), choices=DISPLAY_CHOICES,
                         default=Display.INITIALS.value, validators=[DataRequired()])
    updates = BooleanField(_l("Mail me news of this petition: updates and the target's answer"))
    newsletter = BooleanField(_l("Send me the campaign newsletter (you can leave at any time)"))
    # A field people do not see (hidden by CSS and from screen readers); bots fill it in.
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})
    # Labelled, though hidden: an unlabelled field makes Flask-WTF load its catalogue per request.
    src = HiddenField(_l("Channel"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("Sign"))


class ConfirmSignatureForm(FlaskForm):
    submit = SubmitField(_l("Confirm my signature"))


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw my signature"))


class ActionForm(FlaskForm):
    """A CSRF-only form for staff buttons."""


STATUS_CHOICES = [
    SelectChoice(PetitionStatus.DRAFT.value, _l("Draft")),
    SelectChoice(PetitionStatus.OPEN.value, _l("Open for signing")),
    SelectChoice(PetitionStatus.CLOSED.value, _l("Closed")),
]


class PetitionForm(FlaskForm):
    slug = StringField(
        _l("Address (slug)"),
        validators=[DataRequired(), Length(max=80), Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                    message=_l("Use lower-case letters, digits and hyphens only."))],
        description=_l("The petition's address: /petitions/<slug>"),
    )
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default=PetitionStatus.DRAFT.value)
    goal = IntegerField(
        _l("Signature goal"),
        default=100,
        validators=[DataRequired(), NumberRange(min=1, max=100_000_000)],
        description=_l("Rises by itself to the next milestone when reached."),
    )
    closes_on = DateField(_l("Closing date (optional)"), validators=[Optional()])
    title = TranslatedField(_l("Title"), max_length=200, required=True)
    summary = TranslatedField(_l("Summary"), long=True, max_length=500, rows=3)
    target = TranslatedField(_l("Addressed to"), max_length=300)
    body = TranslatedField(_l("Text (Markdown)"), long=True, max_length=50_000, rows=12)
    thanks = TranslatedField(_l("Thank-you text"), long=True, max_length=1000, rows=3)
    share_text = TranslatedField(_l("Share text"), max_length=280)
    milestones = StringField(
        _l("Milestones (optional)"), validators=[Optional(), Length(max=200)],
        description=_l("Counts to celebrate, e.g. 100, 1000, 10000: passing one asks visitors to share and "
                       "mails organisers who asked for it."),
    )
    embed_origins = TextAreaField(
        _l("Sites that may embed this petition (optional)"), validators=[Optional(), Length(max=2000)],
        description=_l("One address a line, e.g. https://partner.example. Only these sites may show "
                       "/embed/petitions/<slug> in a frame."),
        render_kw={"rows": 3},
    )
    preview = SubmitField(_l("Preview"), description=_l("Shows the texts as they will read, saving nothing."))
    submit = SubmitField(_l("Save petition"))

    def validate_milestones(self, field: Field) -> None:
        try:
            parse_milestones(field.data or "")
        except ValueError:
            raise ValidationError(_l("Write whole numbers above zero, separated by commas.")) from None

    def validate_embed_origins(self, field: Field) -> None:
        for line in (field.data or "").split():
            if not ORIGIN_SHAPE.match(line):
                raise ValidationError(_l("Not a site address: %(value)s. Write a scheme and host only, "
                                         "e.g. https://partner.example or http://localhost:8080.", value=line[:80]))

    def origins(self) -> list[str]:
        """The validated origins, lower-cased, without duplicates."""
        found: list[str] = []
        for line in (self.embed_origins.data or "").split():
            origin = line.lower().rstrip("/")
            if origin not in found:
                found.append(origin)
        return found


class SignatureFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField(_l("Search name, comment or exact email"), validators=[Optional(), Length(max=254)])
    status = SelectField(_l("Status"), validators=[Optional()], choices=[
        SelectChoice("", _l("Any")), SelectChoice(SignatureStatus.CONFIRMED.value, _l("Confirmed")),
        SelectChoice(SignatureStatus.PENDING.value, _l("Pending"))])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=60)])
    src = StringField(_l("Channel"), validators=[Optional(), Length(max=20)])
    hidden = SelectField(_l("Visibility"), validators=[Optional()], choices=[
        SelectChoice("", _l("Any")), SelectChoice("visible", _l("Shown")),
        SelectChoice("hidden", _l("Something hidden"))])
    submit = SubmitField(_l("Filter"))


class EmbedSignForm(SignForm):
    """The sign form inside a partner's frame. A cross-site frame gets none of our cookies
    (SameSite=Lax), so the session's CSRF token cannot work there: the form carries a signed,
    time-limited token of its own (petitions/embed.py), checked by the view."""

    embed_token = HiddenField(_l("Form token"), validators=[DataRequired(), Length(max=400)])


UPDATE_KIND_CHOICES = [
    SelectChoice(UpdateKind.UPDATE.value, _l("An update from us")),
    SelectChoice(UpdateKind.ANSWER.value, _l("The target's answer")),
]


class UpdateForm(FlaskForm):
    kind = RadioField(_l("What is it?"), choices=UPDATE_KIND_CHOICES, default=UpdateKind.UPDATE.value,
                      validators=[DataRequired()])
    title = TranslatedField(_l("Title"), max_length=200, required=True)
    body = TranslatedField(_l("Text (Markdown)"), long=True, max_length=50_000, rows=8)
    answered_on = DateField(_l("Date of the answer (for an answer)"), validators=[Optional()])
    no_answer_days = IntegerField(
        _l("Or: no answer after this many days"), validators=[Optional(), NumberRange(min=1, max=3650)],
        description=_l("For an answer that never came; the text may stay empty."),
    )
    mail = BooleanField(_l("Mail it to signers who asked for this petition's news"), default=True)
    submit = SubmitField(_l("Publish"))

    def validate(self, extra_validators: Any = None) -> bool:
        # Whether a text is required depends on the kind (Optional() would end a field check).
        valid = super().validate(extra_validators)
        code, first = next(iter(self.body.parts.items()))  # the first configured language's input
        if self.body.data.get(code):
            return valid
        if self.kind.data == UpdateKind.UPDATE.value:
            first.errors = [*first.errors, _l("Write the text of the update.")]
            return False
        if self.kind.data == UpdateKind.ANSWER.value and not self.no_answer_days.data:
            first.errors = [*first.errors, _l("Write the answer, or the number of days with no answer.")]
            return False
        return valid


class PaperSignatureForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    email = EmailField(
        _l("Email (optional)"),
        validators=[Optional(), Length(max=254), Regexp(EMAIL_SHAPE, message=_l("Enter a valid email address."))],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_l("Many people give none on paper. With one, the same address cannot sign twice."),
    )
    region = StringField(_l("Region (optional)"), validators=[Optional(), Length(max=60)])
    signed_on = DateField(_l("Date on the sheet (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Add signature"))


class PaperImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"), validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))],
        description=_l("Columns: name, email, region, date (2026-03-08); only name is required."),
    )
    submit = SubmitField(_l("Upload"))


class WatchForm(FlaskForm):
    on = HiddenField(_l("Mail me"), validators=[Optional()])
    submit = SubmitField(_l("Save"))
