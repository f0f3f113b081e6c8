from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from campaign.auth.labels import ROLE_LABELS
from campaign.forms import FlaskForm, MultiCheckboxField, SelectChoice, choice_list


def _role_choices() -> list[SelectChoice]:
    return choice_list(ROLE_LABELS.items())


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    roles = MultiCheckboxField(_l("Roles"), choices=_role_choices(), validators=[DataRequired()])
    submit = SubmitField(_l("Send invitation"))


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), choices=_role_choices(), validators=[DataRequired()])
    submit = SubmitField(_l("Save roles"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField(_l("Action"), validators=[Optional(), Length(max=60)])
    actor_id = IntegerField(_l("Staff member (id)"), validators=[Optional()])
    target_type = StringField(_l("Record type"), validators=[Optional(), Length(max=40)])
    target_id = StringField(_l("Record id"), validators=[Optional(), Length(max=40)])
    since = DateField(_l("Start date"), validators=[Optional()])
    until = DateField(_l("End date"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))
