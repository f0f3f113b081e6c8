"""The takedown report form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from campaign.forms import FlaskForm, choice_list
from campaign.intake.choices import KINDS, PLATFORMS
from campaign.intake.takedowns.models import Response

RESPONSE_LABELS = {
    Response.NONE.value: _l("No answer yet"),
    Response.ACKNOWLEDGED.value: _l("Acknowledged"),
    Response.REMOVED.value: _l("Removed"),
    Response.MORE_INFO.value: _l("Asked for more information"),
    Response.REFUSED.value: _l("Refused"),
}


class TakedownForm(FlaskForm):
    platform = SelectField(_l("Platform"), choices=choice_list(PLATFORMS))
    target = StringField(
        _l("Channel or URL"), validators=[Optional(), Length(max=500)],
        description=_l("Visible to caseworkers only. For a case's report it is encrypted."),
    )
    content_type = SelectField(_l("Content type"), choices=choice_list(KINDS))
    reported_on = DateField(_l("Date reported"), validators=[InputRequired(_l("Enter the date the report was filed."))])
    reference = StringField(_l("Platform reference"), validators=[Optional(), Length(max=100)])
    response = SelectField(_l("Response"), choices=choice_list(RESPONSE_LABELS.items()))
    removed_on = DateField(_l("Date removed"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save report"))

    def validate_removed_on(self, field: DateField) -> None:
        if field.data and self.reported_on.data and field.data < self.reported_on.data:
            raise ValidationError(_l("The removal date cannot be before the report date."))
