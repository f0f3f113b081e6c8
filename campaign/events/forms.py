"""Forms: the public RSVP, the organisers' event editor, check-in and linked tasks."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from campaign.content import TranslatedField
from campaign.events.labels import EVENT_STATUS_LABELS
from campaign.events.models import EventStatus
from campaign.forms import Deliverable, FlaskForm, choice_list

EMAIL_SHAPE = r"^[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\].]+\Z"
MAX_QUESTIONS = 5


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class RsvpForm(FlaskForm):
    nickname = StringField(_l("Nickname"), validators=[DataRequired(), Length(max=60)], filters=[_strip],
                           description=_l("Any name you like: it is how we find you at the door."),
                           render_kw={"maxlength": 60, "autocomplete": "nickname"})
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254),
                    Regexp(EMAIL_SHAPE, message=_l("Enter a valid email address.")), Deliverable()],
        filters=[_strip],
        description=_l("We send you one mail with a link to confirm your place."),
        render_kw={"autocomplete": "email", "maxlength": 254},
    )
    answer_1 = TextAreaField(validators=[Optional(), Length(max=500)], render_kw={"rows": 2, "maxlength": 500})
    answer_2 = TextAreaField(validators=[Optional(), Length(max=500)], render_kw={"rows": 2, "maxlength": 500})
    answer_3 = TextAreaField(validators=[Optional(), Length(max=500)], render_kw={"rows": 2, "maxlength": 500})
    answer_4 = TextAreaField(validators=[Optional(), Length(max=500)], render_kw={"rows": 2, "maxlength": 500})
    answer_5 = TextAreaField(validators=[Optional(), Length(max=500)], render_kw={"rows": 2, "maxlength": 500})
    follow_up = BooleanField(_l("Keep me informed about the campaign after the event (newsletter; you can leave "
                                "at any time)"))
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})
    submit = SubmitField(_l("Count me in"))

    def answer_fields(self, questions: list[str]) -> list[Any]:
        """The answer fields of the event's questions, labelled with them."""
        fields = []
        for number, question in enumerate(questions[:MAX_QUESTIONS], 1):
            field = getattr(self, f"answer_{number}")
            field.label.text = question
            fields.append(field)
        return fields

    def answers(self) -> list[str]:
        return [getattr(self, f"answer_{n}").data or "" for n in range(1, MAX_QUESTIONS + 1)]


class ConfirmRsvpForm(FlaskForm):
    submit = SubmitField(_l("Confirm my place"))


class CancelRsvpForm(FlaskForm):
    submit = SubmitField(_l("Cancel my place and delete my reply"))


class ActionForm(FlaskForm):
    """A CSRF-only form for staff buttons."""


STATUS_CHOICES = choice_list((s.value, EVENT_STATUS_LABELS[s.value]) for s in EventStatus)
TIME = "%Y-%m-%dT%H:%M"


class EventForm(FlaskForm):
    # No DataRequired: it would mark the select `required` with a first option that is a real
    # group (invalid HTML); SelectField refuses a value that is not among the choices anyway.
    group_id = SelectField(_l("Working group"), coerce=int,
                           description=_l("An event of a confidential group is shown only to its members."))
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default=EventStatus.DRAFT.value)
    title = TranslatedField(_l("Title"), max_length=200, required=True)
    description = TranslatedField(_l("Description (Markdown)"), long=True, max_length=20_000, rows=12)
    starts_at = DateTimeLocalField(_l("Starts"), format=TIME, validators=[DataRequired()],
                                   description=_l("In the organisation's time zone (%(zone)s)."))
    ends_at = DateTimeLocalField(_l("Ends"), format=TIME, validators=[DataRequired()])
    rsvp_deadline = DateTimeLocalField(_l("RSVP deadline (optional)"), format=TIME, validators=[Optional()],
                                       description=_l("Empty: replies are taken until the event starts."))
    online = BooleanField(_l("Online event"))
    area = TranslatedField(_l("Area shown to everyone"), max_length=120, required=True,
                           description=_l("Only the area, e.g. 上海·徐汇 or 线上. Never the exact address."))
    place = TextAreaField(_l("Exact address or meeting link (confirmed attendees only)"),
                          validators=[Optional(), Length(max=500)], render_kw={"rows": 2})
    place_release_at = DateTimeLocalField(
        _l("Send the address from (optional)"), format=TIME, validators=[Optional()],
        description=_l("Empty: confirmed attendees get it at once. E.g. 24 hours before the start."))
    capacity = IntegerField(_l("Places"), default=30, validators=[DataRequired(), NumberRange(min=1, max=100_000)])
    questions = TranslatedField(_l("Questions for people who reply (one per line, optional)"), long=True,
                                max_length=1000, rows=3,
                                description=_l("E.g. access needs. At most five; answers are deleted with the reply."))
    submit = SubmitField(_l("Save event"))

    def validate_ends_at(self, field: Any) -> None:
        start: datetime | None = self.starts_at.data
        if start and field.data and field.data <= start:
            raise ValidationError(str(_l("The end must be after the start.")))

    def validate_rsvp_deadline(self, field: Any) -> None:
        start: datetime | None = self.starts_at.data
        if start and field.data and field.data > start:
            raise ValidationError(str(_l("The RSVP deadline must be before the start.")))


class CheckInSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Nickname or code"), validators=[Optional(), Length(max=60)],
                    render_kw={"autocomplete": "off", "autocapitalize": "off", "inputmode": "search"})
    submit = SubmitField(_l("Search"))


class WalkInForm(FlaskForm):
    nickname = StringField(_l("Nickname of someone without an RSVP"), validators=[DataRequired(), Length(max=60)],
                           filters=[_strip], render_kw={"maxlength": 60, "autocomplete": "off"})
    submit = SubmitField(_l("Count a walk-in"))


class EventTaskForm(FlaskForm):
    title = StringField(_l("Task"), validators=[DataRequired(), Length(max=200)], filters=[_strip],
                        description=_l("E.g. book the room. It goes to the event's working group."))
    due_on = DateField(_l("Due on (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Create a task for this event"))
