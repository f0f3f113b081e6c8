"""Public sign-up, mailed links, and the volunteer's own space (signed in by magic link)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from campaign import abuse, sessions
from campaign.access import Access, F, personal
from campaign.auth.forms import ConfirmForm
from campaign.extensions import db, limiter
from campaign.forms import confirmed
from campaign.labels import add_filters
from campaign.markup import render_markdown
from campaign.security import safe_next
from campaign.volunteers import bp, services, work
from campaign.volunteers.forms import (
    AssignForm,
    CommentForm,
    EmailForm,
    MoveForm,
    ProfileForm,
    SignupForm,
    TaskForm,
    task_labels,
)
from campaign.volunteers.labels import (
    CONTACT_KINDS,
    LANGUAGES,
    PRIORITY_LABELS,
    SKILLS,
    STATUS_LABELS,
    TASK_STATUS_LABELS,
)
from campaign.volunteers.models import Priority, Task, TaskStatus, Volunteer, WorkingGroup
from campaign.volunteers.permissions import can_see_task, is_lead, membership

SESSION_KEY = "volunteer"


add_filters(
    bp,
    volunteer_status={s.value: label for s, label in STATUS_LABELS.items()},
    task_status={s.value: label for s, label in TASK_STATUS_LABELS.items()},
    task_priority={p.value: label for p, label in PRIORITY_LABELS.items()},
    contact_kind=dict(CONTACT_KINDS),
    volunteer_skill=dict(SKILLS),
    volunteer_language=dict(LANGUAGES),
)


def check_volunteer(access: Access) -> Response | None:
    volunteer = services.from_session(session.get(SESSION_KEY, ""))
    live = sessions.current(session.get(sessions.COOKIE_KEY), sessions.VOLUNTEER)
    if volunteer is None or live is None or live.subject_id != volunteer.id:
        if session.pop(SESSION_KEY, None) is not None:
            # A volunteer's dead session; a staff member opening a volunteer page keeps theirs.
            session.pop(sessions.COOKIE_KEY, None)
        if access.hide:
            abort(404)
        flash(_("Please sign in with a link sent to your email."), "info")
        return redirect(url_for("volunteers.signin", next=request.full_path.rstrip("?")))
    g.volunteer = volunteer
    return None


volunteer_only = Access("volunteer")


def volunteer(view: F) -> F:
    """Only a volunteer signed in by magic link may open this view."""
    view._access = volunteer_only  # type: ignore[attr-defined]
    return view


def space_target(target: str | None) -> str | None:
    """`target` if it is a page of the volunteer's own space, so a mailed link (a task, a group)
    lands there after the magic-link sign-in; anything else is dropped."""
    path = safe_next(target)
    if path is None or not (path == "/me" or path.startswith(("/me/", "/me?"))):
        return None
    return path


def _locale() -> str:
    return str(get_locale())


def _message(title: str, message: str, status: int = 200, next_done: list[str] | None = None) -> tuple[str, int]:
    """A short page; `next_done` (what the person just did) adds the next steps to offer."""
    return render_template("core/message.html", title=title, message=message, next_done=next_done), status


# --- public ---------------------------------------------------------------------------------------


@bp.route("/volunteer", methods=["GET", "POST"])
@personal
@limiter.limit(abuse.public_form_limit, methods=["POST"])
def signup() -> Response | str | tuple[str, int]:
    form = SignupForm()
    groups = services.public_groups()
    form.groups.choices = [(grp.id, grp.text("name", str(get_locale()))) for grp in groups]
    if form.validate_on_submit():
        if not form.website.data and not abuse.too_quick():  # a bot (honeypot, speed): same answer, nothing kept
            services.sign_up(_answers(form, with_public=True), _locale())
        return _message(_("Check your mail"), _(
            "We sent you a mail. Open the link in it to confirm your sign-up; until then we do not see it."),
            next_done=["volunteer"])
    return render_template("volunteers/signup.html", form=form)


def _answers(form: ProfileForm | SignupForm, with_public: bool = False) -> services.Answers:
    answers = services.Answers(
        nickname=form.nickname.data or "", contact_kind=form.contact_kind.data or "",
        contact=form.contact.data or "", region=form.region.data or "", languages=form.languages.data or [],
        skills=form.skills.data or [], skills_other=form.skills_other.data or "",
        hours_per_week=form.hours_per_week.data or 0, consent_contact=bool(form.consent_contact.data),
        mail_consent=bool(form.mail_consent.data))
    if with_public and isinstance(form, SignupForm):
        answers.email = form.email.data or ""
        answers.motivation = form.motivation.data or ""
        answers.group_ids = form.groups.data or []
        answers.newsletter = bool(form.newsletter.data)
    if isinstance(form, ProfileForm):
        answers.availability = form.availability.data or ""
    return answers


@bp.route("/volunteer/confirm/<token>", methods=["GET", "POST"])
@personal
def confirm(token: str) -> str | tuple[str, int]:
    # GET only shows a button: mail scanners follow links, and must not confirm for the person.
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.confirm(token)
        except services.LinkInvalid as exc:
            return _message(_("Confirmation"), str(exc), 400)
        return _message(
            _("Thank you"),
            _(
                "Your sign-up is confirmed. An organiser will be in touch; "
                "you can sign in to your volunteer space at any time."
            ),
            next_done=["volunteer"],
        )
    return render_template("volunteers/link_button.html", form=form, title=_("Confirm your sign-up"),
                           button=_("Confirm"))


@bp.route("/volunteer/signin", methods=["GET", "POST"])
@personal
@limiter.limit(abuse.public_form_limit, methods=["POST"])
def signin() -> str | tuple[str, int]:
    form = EmailForm()
    if form.validate_on_submit():
        services.request_signin(form.email.data or "", _locale(), space_target(request.args.get("next")))
        return _message(_("Check your mail"), _(
            "If this address belongs to a volunteer, a sign-in link is on its way. It works once, for 15 minutes."))
    return render_template("volunteers/signin.html", form=form)


@bp.route("/volunteer/signin/<token>", methods=["GET", "POST"])
@personal
@limiter.limit("20 per hour", methods=["POST"])
def signin_link(token: str) -> Response | str | tuple[str, int]:
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            person = services.use_signin_link(token)
        except services.LinkInvalid as exc:
            return _message(_("Sign in"), str(exc), 400)
        sessions.end(session.get(sessions.COOKIE_KEY), "replaced")
        session.clear()  # no staff session shares a cookie with a volunteer session
        session[SESSION_KEY] = services.session_ident(person)
        session[sessions.COOKIE_KEY] = sessions.start(sessions.VOLUNTEER, person.id)
        session.permanent = True
        return redirect(space_target(request.args.get("next")) or url_for("volunteers.me"))
    return render_template("volunteers/link_button.html", form=form, title=_("Sign in to your volunteer space"),
                           button=_("Sign in"))


@bp.route("/volunteer/invitation/<token>/<any(accept, decline):answer>", methods=["GET", "POST"])
@personal
def invitation(token: str, answer: str) -> str | tuple[str, int]:
    try:
        invite = work.invitation_for(token)
    except work.InvitationProblem as exc:
        return _message(_("Invitation"), str(exc), 400)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            work.respond(token, accept=answer == "accept")
        except work.InvitationProblem as exc:
            return _message(_("Invitation"), str(exc), 400)
        if answer == "accept":
            return _message(
                _("Welcome"), _("You are now a member of the group. Sign in to your volunteer space to see its tasks.")
            )
        return _message(_("Invitation"), _("You declined the invitation. Thank you for letting us know."))
    return render_template("volunteers/invitation.html", form=form, group=invite.group, answer=answer)


# --- the volunteer's space ----------------------------------------------------------------------


def _me() -> Volunteer:
    return g.volunteer  # type: ignore[no-any-return]


@bp.route("/me")
@volunteer
def me() -> str:
    person = _me()
    groups = [(row.group, row.is_lead) for row in person.memberships]
    return render_template("volunteers/me.html", person=person, groups=groups, tasks=work.tasks_of(person),
                           invitations=work.pending_invitations(person), confirm=ConfirmForm(),
                           labels=task_labels())


@bp.post("/me/invitations/<int:invitation_id>/<any(accept, decline):answer>")
@volunteer
def my_invitation(invitation_id: int, answer: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        invitation = work.respond_signed_in(_me(), invitation_id, accept=answer == "accept")
    except work.InvitationProblem as exc:
        flash(str(exc), "error")
        return redirect(url_for("volunteers.me"))
    if answer == "accept":
        flash(_("You are now a member of the group."), "info")
        return redirect(url_for("volunteers.my_group", group_id=invitation.group_id))
    flash(_("You declined the invitation. Thank you for letting us know."), "info")
    return redirect(url_for("volunteers.me"))


@bp.route("/me/profile", methods=["GET", "POST"])
@volunteer
def profile() -> Response | str:
    person = _me()
    form = ProfileForm(obj=person, languages=person.language_list, skills=person.skill_list)
    if form.validate_on_submit():
        services.update_profile(person, _answers(form))
        flash(_("Your profile is saved."), "info")
        return redirect(url_for("volunteers.me"))
    return render_template("volunteers/profile.html", form=form, person=person)


@bp.post("/me/signout")
@volunteer
def signout() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sessions.end(session.pop(sessions.COOKIE_KEY, None), "signout")
    session.pop(SESSION_KEY, None)
    flash(_("You are signed out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/me/delete", methods=["GET", "POST"])
@volunteer
def delete_me() -> Response | str:
    form = ConfirmForm()
    if form.validate_on_submit():
        services.erase(_me())
        session.pop(sessions.COOKIE_KEY, None)
        session.pop(SESSION_KEY, None)
        flash(_("Your personal data is deleted. Thank you for your work."), "info")
        return redirect(url_for("core.index"))
    return render_template("volunteers/delete.html", form=form)


def _my_group(group_id: int) -> tuple[WorkingGroup, bool]:
    """The group if I am a member (404 otherwise: other groups do not exist for me)."""
    row = membership(_me(), group_id)
    if row is None:
        abort(404)
    return row.group, row.is_lead


@bp.route("/me/groups/<int:group_id>")
@volunteer
def my_group(group_id: int) -> str:
    group, lead = _my_group(group_id)
    context: dict[str, object] = {"group": group, "lead": lead, "confirm": ConfirmForm(), "labels": task_labels()}
    if lead:
        work.contact_view_by_lead(_me(), group)
        form = TaskForm()
        members = work.members(group)
        form.assignees.choices = [(m.volunteer_id, m.volunteer.nickname) for m in members]
        context.update(members=members, board=work.group_tasks(group), task_form=form,
                       invite_form=EmailForm(), move=MoveForm())
    else:
        context.update(tasks=[t for t in work.tasks_of(_me()) if t.group_id == group.id])
    return render_template("volunteers/my_group.html", **context)


@bp.post("/me/groups/<int:group_id>/leave")
@volunteer
def leave_group(group_id: int) -> Response:
    group, _lead = _my_group(group_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    work.leave(_me(), group)
    flash(_("You left the group."), "info")
    return redirect(url_for("volunteers.me"))


def _led_group(group_id: int) -> WorkingGroup:
    group, lead = _my_group(group_id)
    if not lead:
        abort(404)
    return group


@bp.post("/me/groups/<int:group_id>/invite")
@volunteer
def lead_invite(group_id: int) -> Response:
    group = _led_group(group_id)
    form = EmailForm()
    if form.validate_on_submit():
        work.invite_by_email(_me(), group, form.email.data or "")
        flash(_("If this address belongs to a volunteer who can join, an invitation is on its way."), "info")
    else:
        flash(_("Please enter a valid email address."), "error")
    return redirect(url_for("volunteers.my_group", group_id=group.id))


@bp.post("/me/groups/<int:group_id>/members/<int:volunteer_id>/remove")
@volunteer
def lead_remove(group_id: int, volunteer_id: int) -> Response:
    group = _led_group(group_id)
    person = db.session.get(Volunteer, volunteer_id)
    if person is None or membership(person, group.id) is None:
        abort(404)
    if not confirmed():
        return redirect(url_for("volunteers.my_group", group_id=group.id))
    work.remove_member(_me(), group, person)
    flash(_("Removed from the group."), "info")
    return redirect(url_for("volunteers.my_group", group_id=group.id))


@bp.post("/me/groups/<int:group_id>/tasks")
@volunteer
def lead_new_task(group_id: int) -> Response:
    group = _led_group(group_id)
    form = TaskForm()
    form.assignees.choices = [(m.volunteer_id, m.volunteer.nickname) for m in work.members(group)]
    if form.validate_on_submit():
        work.create_task(_me(), group, form.title.data or "", form.description.data or "", form.due_on.data,
                         Priority(form.priority.data), form.assignees.data or [])
        flash(_("Task created."), "info")
    else:
        flash(_("The task was not created: check the title and the date."), "error")
    return redirect(url_for("volunteers.my_group", group_id=group.id))


def _my_task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not can_see_task(_me(), task):
        abort(404)
    return task


@bp.route("/me/tasks/<int:task_id>")
@volunteer
def my_task(task_id: int) -> str:
    task = _my_task(task_id)
    assign = None
    if is_lead(_me(), task.group_id):
        assign = _assign_form(task, AssignForm(assignees=[v.id for v in task.assignees]))
    return render_template("volunteers/task.html", task=task, space="me", move=MoveForm(),
                           comment_form=CommentForm(), body=render_markdown(task.description),
                           labels=task_labels(), assign_form=assign)


def _assign_form(task: Task, form: AssignForm) -> AssignForm:
    form.assignees.choices = [(m.volunteer_id, m.volunteer.nickname) for m in work.members(task.group)]
    return form


@bp.post("/me/tasks/<int:task_id>/assign")
@volunteer
def my_task_assign(task_id: int) -> Response:
    task = _my_task(task_id)
    if not is_lead(_me(), task.group_id):
        abort(404)
    form = _assign_form(task, AssignForm())
    if form.validate_on_submit():
        work.set_assignees(_me(), task, form.assignees.data or [])
        flash(_("Assignees saved."), "info")
    return redirect(url_for("volunteers.my_task", task_id=task.id))


@bp.post("/me/tasks/<int:task_id>/status")
@volunteer
def my_task_status(task_id: int) -> Response:
    task = _my_task(task_id)
    form = MoveForm()
    if form.validate_on_submit():
        work.set_task_status(_me(), task, TaskStatus(form.status.data))
        flash(_("Task moved."), "info")
    if request.form.get("back") == "board":
        return redirect(url_for("volunteers.my_group", group_id=task.group_id))
    return redirect(url_for("volunteers.my_task", task_id=task.id))


@bp.post("/me/tasks/<int:task_id>/comment")
@volunteer
def my_task_comment(task_id: int) -> Response:
    task = _my_task(task_id)
    form = CommentForm()
    if form.validate_on_submit():
        work.comment(_me(), task, form.body.data or "")
    else:
        flash(_("A comment cannot be empty."), "error")
    return redirect(url_for("volunteers.my_task", task_id=task.id))
