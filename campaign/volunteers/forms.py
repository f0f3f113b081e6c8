from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from campaign.content import TranslatedField
from campaign.forms import Deliverable, FlaskForm, MultiCheckboxField, SelectChoice, choice_list
from campaign.volunteers.labels import (
    CONTACT_KINDS,
    LANGUAGES,
    PRIORITY_LABELS,
    SKILLS,
    STATUS_LABELS,
    TASK_STATUS_LABELS,
)
from campaign.volunteers.models import Priority


def task_labels() -> dict[str, object]:
    """Labels for templates: a task status by its key, a priority by "p:<key>"."""
    labels: dict[str, object] = {s.value: label for s, label in TASK_STATUS_LABELS.items()}
    labels.update({f"p:{p.value}": label for p, label in PRIORITY_LABELS.items()})
    return labels


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _status_choices(blank: bool = False) -> list[SelectChoice]:
    return choice_list(
        ([("", _l("Any status"))] if blank else []) + [(s.value, label) for s, label in STATUS_LABELS.items()]
    )


class ProfileFields(FlaskForm):
    nickname = StringField(_l("Nickname"), validators=[DataRequired(), Length(max=60)],
                           description=_l("Any name you like. We never ask for your legal name."))
    contact_kind = SelectField(
        _l("Secure contact (optional)"), choices=choice_list(CONTACT_KINDS), validators=[Optional()]
    )
    contact = StringField(_l("Handle or number"), validators=[Optional(), Length(max=100)],
                          description=_l("Only organisers and your group's leads can see it."))
    region = StringField(_l("City or region (optional)"), validators=[Optional(), Length(max=80)])
    languages = MultiCheckboxField(_l("Languages"), choices=choice_list(LANGUAGES), validators=[Optional()])
    skills = MultiCheckboxField(_l("Skills"), choices=choice_list(SKILLS), validators=[Optional()])
    skills_other = StringField(_l("Other skills"), validators=[Optional(), Length(max=300)])
    hours_per_week = IntegerField(_l("Hours a week"), validators=[Optional(), NumberRange(min=0, max=80)])
    consent_contact = BooleanField(_l("You may contact me about volunteering."))
    mail_consent = BooleanField(
        _l("Mail me news for volunteers (my group, calls to help)."),
        description=_l("Separate from the newsletter. Every such mail has a one-click unsubscribe link."),
    )


class SignupForm(ProfileFields):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254), Deliverable()],
                       filters=[_strip], description=_l("For the confirmation mail and sign-in links."))
    groups = MultiCheckboxField(_l("Working groups that interest you"), coerce=int, validators=[Optional()])
    motivation = TextAreaField(_l("Why do you want to help?"), validators=[Optional(), Length(max=2000)])
    consent_data = BooleanField(
        _l("I agree that the campaign keeps these answers to organise volunteers. I can delete them at any time."),
        validators=[DataRequired(message=_l("We need your agreement to keep your answers."))])
    newsletter = BooleanField(_l("Send me the newsletter too."))
    # Honeypot: hidden from people, filled in by bots.
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Sign up"))


class ProfileForm(ProfileFields):
    availability = StringField(_l("Availability"), validators=[Optional(), Length(max=300)],
                               description=_l("For example: weekday evenings, not in July."))
    submit = SubmitField(_l("Save"))


class EmailForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254), Deliverable()],
                       filters=[_strip])
    submit = SubmitField(_l("Send me a link"))


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), choices=_status_choices(blank=True), validators=[Optional()])
    # Not checked against the choices: the service answers "nobody" for a group the user may not see.
    group = SelectField(_l("Group of interest"), coerce=int, validators=[Optional()], validate_choice=False)
    skill = SelectField(_l("Skill"), choices=choice_list([("", _l("Any skill")), *SKILLS]), validators=[Optional()])
    language = SelectField(
        _l("Language"), choices=choice_list([("", _l("Any language")), *LANGUAGES]), validators=[Optional()]
    )
    region = StringField(_l("Region"), validators=[Optional(), Length(max=80)])
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=30)])
    since = DateField(_l("Signed up from"), validators=[Optional()])
    until = DateField(_l("Signed up until"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=_status_choices())
    vouched_by = StringField(_l("Vouched for or checked by"), validators=[Optional(), Length(max=120)],
                             description=_l("Record who vouched for this person when vetting."))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    # Blocking ends sessions, links and memberships at once: it is confirmed like any destructive action.
    confirmed = BooleanField(
        _l("Yes, block this person if “Blocked” is chosen"),
        description=_l("Needed only to block: their sessions, links and group places end at once."))
    submit = SubmitField(_l("Change status"))

    def validate_confirmed(self, field: Any) -> None:
        if self.status.data == "blocked" and not field.data:
            raise ValidationError(str(_l("Nothing was done: tick the box to confirm the block.")))


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Private note"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Add note"))


class TagsForm(FlaskForm):
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=300)],
                       description=_l("Separated by commas."))
    submit = SubmitField(_l("Save tags"))


class InviteForm(FlaskForm):
    group = SelectField(_l("Working group"), coerce=int)
    submit = SubmitField(_l("Invite"))


class BulkForm(FlaskForm):
    action = SelectField(_l("With the selected"), choices=choice_list([
        ("tag", _l("Add a tag")), ("status", _l("Change status")), ("invite", _l("Invite to a group")),
        ("export", _l("Export CSV"))]))
    # Own ids: the list page also holds the filter form, with fields of the same names.
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=30)], id="bulk-tag")
    status = SelectField(_l("Status"), choices=_status_choices(), validators=[Optional()], id="bulk-status")
    group = SelectField(_l("Working group"), coerce=int, validators=[Optional()], id="bulk-group")
    submit = SubmitField(_l("Apply"))


class GroupForm(FlaskForm):
    name = TranslatedField(_l("Name"), max_length=100, required=True)
    description = TranslatedField(_l("Description"), long=True, max_length=2000)
    open_to_interest = BooleanField(_l("Takes new interest (listed on the public form)"))
    size_limit = IntegerField(_l("Size limit"), validators=[Optional(), NumberRange(min=1, max=10000)])
    confidential = BooleanField(_l("Confidential: only its members, leads and admins know it exists"))
    content_free = BooleanField(_l("Content-free notifications (mails say only that there is a new task)"))
    vetted_only = BooleanField(_l("Vetted volunteers only (always so for a confidential group)"))
    submit = SubmitField(_l("Save group"))


class TaskForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)],
                                description=_l("Markdown: **bold**, *italic*, lists and links."))
    due_on = DateField(_l("Due date"), validators=[Optional()])
    priority = SelectField(
        _l("Priority"),
        choices=choice_list((p.value, label) for p, label in PRIORITY_LABELS.items()),
        default=Priority.NORMAL.value,
    )
    assignees = MultiCheckboxField(_l("Assignees"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Create task"))


class AssignForm(FlaskForm):
    assignees = MultiCheckboxField(_l("Assignees"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Save assignees"))


class MoveForm(FlaskForm):
    """The board's card buttons: each submits this form with its own status value."""

    status = SelectField(_l("Status"), choices=choice_list((s.value, label) for s, label in TASK_STATUS_LABELS.items()),
                         validators=[InputRequired()])


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Add comment"))
