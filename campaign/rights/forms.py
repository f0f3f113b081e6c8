from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from campaign.forms import Deliverable, FlaskForm


class RequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254), Deliverable()])
    website = StringField(_l("Leave this empty"), validators=[Length(max=0)])  # honeypot
    submit = SubmitField(_l("Send me a link"))


class AccessForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(), Length(max=254), Deliverable()],
        description=_l("The address the link was sent to."),
    )
    confirm_erase = BooleanField(_l("Yes, erase my data. This cannot be undone."))
    download = SubmitField(_l("Download my data (JSON)"))
    erase = SubmitField(_l("Erase my data"))
