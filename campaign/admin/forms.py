from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from campaign.audit.labels import ACTION_LABELS, TARGET_LABELS
from campaign.audit.services import HELP_DESK_ACTIONS, HELP_DESK_TARGETS
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


def audit_filter_choices(help_desk: bool) -> tuple[list[SelectChoice], list[SelectChoice]]:
    """The audit filter's actions and record types, by label; help-desk ones only for caseworkers."""
    actions = [(code, text) for code, text in ACTION_LABELS.items()
               if help_desk or not code.startswith(HELP_DESK_ACTIONS)]
    targets = [(code, text) for code, text in TARGET_LABELS.items() if help_desk or code not in HELP_DESK_TARGETS]
    return (choice_list([("", _l("Any action")), *actions]), choice_list([("", _l("Any record")), *targets]))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    # Chosen by label (see audit_filter_choices); a code from an older link simply matches nothing.
    action = SelectField(_l("Action"), validators=[Optional(), Length(max=60)], validate_choice=False)
    actor_id = IntegerField(_l("Staff member (id)"), validators=[Optional()])
    target_type = SelectField(_l("Record type"), validators=[Optional(), Length(max=40)], validate_choice=False)
    target_id = StringField(_l("Record id"), validators=[Optional(), Length(max=40)])
    since = DateField(_l("Start date"), validators=[Optional()])
    until = DateField(_l("End date"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))
