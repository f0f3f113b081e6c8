"""Forms of the questionnaire, the status page and the caseworkers' pages."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from campaign.forms import FlaskForm, MultiCheckboxField, choice_list
from campaign.intake.choices import CONTACT, HELP_WANTED, KINDS, PLATFORMS
from campaign.intake.models import Status

STATUS_LABELS = {
    Status.NEW.value: _l("New"),
    Status.TRIAGED.value: _l("Triaged"),
    Status.IN_PROGRESS.value: _l("In progress"),
    Status.REFERRED.value: _l("Referred"),
    Status.CLOSED.value: _l("Closed"),
}


class HelpForm(FlaskForm):
    kinds = MultiCheckboxField(
        _l("What happened?"), choices=choice_list(KINDS),
        validators=[DataRequired(_l("Choose at least one. \"Something else\" is fine."))],
        description=_l("The only required question. Choose all that apply."),
    )
    platforms = MultiCheckboxField(_l("Where does the content appear?"), choices=choice_list(PLATFORMS))
    where = TextAreaField(
        _l("Channel or group names and links"),
        validators=[Optional(), Length(max=3000)],
        description=_l("Copy the names and links as text. Never send the images or videos themselves."),
    )
    found_when = StringField(
        _l("When did you find it?"), validators=[Optional(), Length(max=200)],
        description=_l("A date or a rough time, such as \"early March\"."),
    )
    help_wanted = MultiCheckboxField(_l("What help would you like?"), choices=choice_list(HELP_WANTED))
    details = TextAreaField(
        _l("Anything else you want us to know"), validators=[Optional(), Length(max=5000)],
        description=_l("Optional. Write only what you are comfortable sharing."),
    )
    contact_method = RadioField(_l("How may we contact you?"), choices=choice_list(CONTACT), default="none")
    contact_detail = StringField(
        _l("Your email address, Signal or Telegram username"), validators=[Length(max=200)],
        description=_l("Only if you chose a way to contact you above."),
    )
    name = StringField(
        _l("What should we call you?"), validators=[Optional(), Length(max=80)],
        description=_l("Optional. A nickname is fine; you may stay anonymous."),
    )
    # Honeypot: hidden from people by CSS, filled in by bots.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])
    submit = SubmitField(_l("Send my request"))

    def validate_contact_detail(self, field: Any) -> None:
        if self.contact_method.data != "none" and not (field.data or "").strip():
            raise ValidationError(_l("Tell us where to reach you, or choose \"Do not contact me\"."))


class ReceiptForm(FlaskForm):
    """Carries a just-issued receipt code back (printable page, language switch): never in a URL."""

    code = HiddenField(validators=[InputRequired(), Length(max=60)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Your receipt code"), validators=[InputRequired(_l("Enter your receipt code.")), Length(max=60)],
        description=_l("The 20-character code you were shown when you sent your request."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Show my request"))


class SurvivorReplyForm(FlaskForm):
    code = HiddenField(validators=[InputRequired()])
    text = TextAreaField(
        _l("Write to the team"), validators=[InputRequired(_l("Write a message first.")), Length(max=5000)],
        description=_l("Never send images. Links and descriptions are enough."),
    )
    submit = SubmitField(_l("Send"))


class SurvivorDeleteForm(FlaskForm):
    code = HiddenField(validators=[InputRequired()])
    confirm = BooleanField(
        _l("Yes, delete my request and all messages now. This cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my request"))


class UnlockForm(FlaskForm):
    passphrase = PasswordField(
        _l("Team passphrase"), validators=[InputRequired(_l("Enter the passphrase."))],
        render_kw={"autocomplete": "off"},
    )
    submit = SubmitField(_l("Unlock"))


class CaseForm(FlaskForm):
    status = SelectField(_l("Status"), choices=choice_list(STATUS_LABELS.items()))
    assignee = SelectField(_l("Assigned to"), coerce=str)
    tags = StringField(
        _l("Tags"), validators=[Optional(), Length(max=200)],
        description=_l("Short labels separated by commas, such as urgent, legal. Never personal details."),
    )
    remind_on = DateField(
        _l("Reminder"), validators=[Optional()], description=_l("A date to follow up; shown in the queue.")
    )
    submit = SubmitField(_l("Save"))


class NoteForm(FlaskForm):
    # Its own id: the case page also holds the message to the person, whose field is also "text".
    text = TextAreaField(_l("Private note"), validators=[InputRequired(_l("Write a note first.")), Length(max=5000)],
                         description=_l("Only caseworkers who unlock the key can read it."), id="note-text")
    submit = SubmitField(_l("Add note"))


class TeamReplyForm(FlaskForm):
    text = TextAreaField(
        _l("Message to the person"),
        validators=[InputRequired(_l("Write a message first.")), Length(max=5000)],
        description=_l("They read it on the status page with their receipt code."),
    )
    submit = SubmitField(_l("Send message"))


class LockForm(FlaskForm):
    submit = SubmitField(_l("Lock"))
