"""Admin forms: a new API key, a new webhook, and the buttons (revoke, delete, send a test)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, SubmitField, URLField
from wtforms.validators import DataRequired, Length, Optional

from campaign.forms import FlaskForm, MultiCheckboxField


class KeyForm(FlaskForm):
    name = StringField(_l("What the key is for"), validators=[DataRequired(), Length(max=80)],
                       description=_l("For example the partner's name or the script that uses it."),
                       render_kw={"maxlength": 80})
    scopes = MultiCheckboxField(_l("What the key may do"), validators=[DataRequired()])
    expires_on = DateField(_l("Stops working on (optional)"), validators=[Optional()],
                           description=_l("Leave empty for a key that works until it is revoked."))
    submit = SubmitField(_l("Create the key"))


class WebhookForm(FlaskForm):
    url = URLField(_l("Receiver address (URL)"), validators=[DataRequired(), Length(max=500)],
                   description=_l("An https:// address of the partner's receiver."),
                   render_kw={"maxlength": 500})
    events = MultiCheckboxField(_l("Events to send"), validators=[DataRequired()])
    scopes = MultiCheckboxField(_l("What the payloads may carry"),
                                description=_l("Without a scope, a payload leaves out what it covers."))
    submit = SubmitField(_l("Add the webhook"))


class ButtonForm(FlaskForm):
    """A button on its own (its CSRF token is the whole form)."""
