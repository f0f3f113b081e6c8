from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from campaign.forms import FlaskForm


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    since = DateField(_l("Start date"), validators=[Optional()])
    until = DateField(_l("End date"), validators=[Optional()])
    petition = SelectField(_l("Petition"), coerce=int, validators=[Optional()])
    group = SelectField(_l("Working group"), coerce=int, validators=[Optional()])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))
