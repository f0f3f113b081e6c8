"""Forms of the newsletter: sign-up, preferences, import and the composer."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from campaign.content import TranslatedField
from campaign.forms import Deliverable, FlaskForm, MultiCheckboxField, SelectChoice, choice_list
from campaign.i18n import languages, locale_code
from campaign.newsletter.services import TOPICS


def _topic_choices() -> list[SelectChoice]:
    return choice_list((key, str(label)) for key, label in TOPICS.items())


def _language_choices() -> list[SelectChoice]:
    return choice_list((lang.code, lang.name) for lang in languages().ordered)


def _one_code(value: object) -> object:
    """Older links and forms say 'zh': read every language as the one stored code."""
    return locale_code(value) if isinstance(value, str) and value else value


def _codes(values: object) -> object:
    return [locale_code(v) for v in values] if isinstance(values, list) else values


class SubscribeForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254), Deliverable()])
    name = StringField(
        _l("Name (optional)"), validators=[Optional(), Length(max=100)],
        description=_l("Any name or nickname; used only to greet you in the newsletter."),
    )
    language = RadioField(_l("Language"), default="zh_Hans", validators=[DataRequired()], filters=[_one_code])
    topics = MultiCheckboxField(
        _l("Topics"), description=_l("Choose none to receive everything.")
    )
    submit = SubmitField(_l("Subscribe"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()
        self.topics.choices = _topic_choices()


class PreferencesForm(FlaskForm):
    language = RadioField(_l("Language"), validators=[DataRequired()], filters=[_one_code])
    topics = MultiCheckboxField(_l("Topics"), description=_l("Choose none to receive everything."))
    submit = SubmitField(_l("Save preferences"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()
        self.topics.choices = _topic_choices()


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"), validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))],
        description=_l("Columns: email, name, date (a Substack export works as it is)."),
    )
    source = StringField(
        _l("Where did these people consent?"), validators=[DataRequired(), Length(max=60)],
        description=_l("For example: substack-2025. Recorded with each address."),
    )
    language = RadioField(_l("Language of these subscribers"), default="zh_Hans", validators=[DataRequired()],
                          filters=[_one_code])
    consent = BooleanField(
        _l("Everyone on this list asked to receive our newsletter."), validators=[DataRequired()]
    )
    submit = SubmitField(_l("Preview"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()


class IssueForm(FlaskForm):
    # Each subscriber gets the text in their language, else the fallback (compose.prepare).
    subject = TranslatedField(_l("Subject"), max_length=200, required=True)
    body = TranslatedField(
        _l("Text (Markdown)"), long=True, max_length=100_000, rows=16, required=True,
        description=_l("Write {{name}} or {{name|friend}} to greet each reader by name, with a fallback."),
    )
    topics = MultiCheckboxField(_l("Topics"), description=_l("None chosen: every subscriber."))
    languages = MultiCheckboxField(_l("Languages"), description=_l("None chosen: every language."),
                                   filters=[_codes])
    segment = SelectField(_l("Segment"), default="")
    # Re-renders the form, everything typed kept, with the number of recipients (no JavaScript needed).
    count = SubmitField(_l("Count recipients"))
    submit = SubmitField(_l("Save draft"))

    def __init__(self, *args: object, segment_options: list[tuple[str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.topics.choices = _topic_choices()
        self.languages.choices = _language_choices()
        self.segment.choices = choice_list([("", str(_l("Everyone who matches")))] + list(segment_options or []))


class TestSendForm(FlaskForm):
    addresses = StringField(
        _l("Send a test to"), validators=[DataRequired(), Length(max=1000)],
        description=_l("Up to five addresses, separated by commas."),
    )
    language = RadioField(_l("Language"), default="zh_Hans", validators=[DataRequired()], filters=[_one_code])
    submit = SubmitField(_l("Send test"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()

    def validate_addresses(self, field: StringField) -> None:
        parts = [p.strip() for p in (field.data or "").split(",") if p.strip()]
        if not parts or len(parts) > 5 or any("@" not in p or any(c in p for c in " <>\r\n") for p in parts):
            raise ValidationError(_l("Give one to five email addresses, separated by commas."))
        field.data = ",".join(parts)


class ScheduleForm(FlaskForm):
    """The time is typed as a clock in the organisation's zone reads it (ORG_TIMEZONE)."""

    when = DateTimeLocalField(_l("Send at"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    submit = SubmitField(_l("Schedule"))

    def __init__(self, *args: object, zone: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if zone:
            self.when.label.text = _("Send at (%(zone)s time)", zone=zone)


class TemplateForm(FlaskForm):
    name = StringField(_l("Template name"), validators=[DataRequired(), Length(max=120)], id="template_name",
                       description=_l("Keeps this issue's subject and text, in every language."))
    submit = SubmitField(_l("Save as template"))


class TemplateChoiceForm(FlaskForm):
    class Meta:
        csrf = False  # a GET that only fills in the composer

    template = SelectField(_l("Start from a template"), coerce=int)
    submit = SubmitField(_l("Use this template"))


class SubscriberSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Address, or part of it"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])
    submit = SubmitField(_l("Search"))
