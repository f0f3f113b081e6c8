"""Organisers' pages: review volunteers, manage working groups and their task boards."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from campaign.access import staff
from campaign.auth.forms import ConfirmForm
from campaign.auth.models import Role
from campaign.exports import csv_stream
from campaign.extensions import db
from campaign.forms import SelectChoice, choice_list, confirmed
from campaign.markup import render_markdown
from campaign.paging import paginate
from campaign.volunteers import bp, services, work
from campaign.volunteers.forms import (
    AssignForm,
    BulkForm,
    CommentForm,
    FilterForm,
    GroupForm,
    InviteForm,
    MoveForm,
    NoteForm,
    StatusForm,
    TagsForm,
    TaskForm,
    task_labels,
)
from campaign.volunteers.labels import LANGUAGES, SKILLS, STATUS_LABELS
from campaign.volunteers.models import Priority, Status, Task, TaskStatus, Volunteer, WorkingGroup
from campaign.volunteers.permissions import staff_group_ids, staff_sees

organisers = staff(Role.ORGANISER, Role.ADMIN)

def _visible_groups() -> list[WorkingGroup]:
    ids = staff_group_ids(current_user)
    return list(db.session.scalars(select(WorkingGroup).where(WorkingGroup.id.in_(ids)).order_by(WorkingGroup.id)))


def _group_choices(blank: object = None) -> list[SelectChoice]:
    choices: list[tuple[int, str]] = [(grp.id, grp.text("name", str(get_locale()))) for grp in _visible_groups()]
    return choice_list(([(0, str(blank))] if blank else []) + choices)


def _status_labels() -> dict[str, object]:
    return {s.value: label for s, label in STATUS_LABELS.items()}


def _answer_labels() -> dict[str, object]:
    """Skill and language keys as words, for the list and the volunteer page."""
    return {**dict(SKILLS), **{f"lang:{key}": label for key, label in LANGUAGES}}


# --- review -------------------------------------------------------------------------------------


@bp.route("/staff/volunteers")
@organisers
def review() -> str:
    form = FilterForm(request.args)
    form.group.choices = _group_choices(_("Any group"))
    filters = services.Filters()
    if form.validate():
        filters = services.Filters(q=form.q.data or "", status=form.status.data or "",
                                   group_id=form.group.data or None, skill=form.skill.data or "",
                                   language=form.language.data or "", region=form.region.data or "",
                                   tag=form.tag.data or "", since=form.since.data, until=form.until.data)
    people = paginate(services.review_query(current_user, filters))
    bulk = BulkForm()
    bulk.group.choices = _group_choices()
    return render_template("volunteers/review.html", form=form, people=people, bulk=bulk,
                           statuses=_status_labels(), answers=_answer_labels())


def _selected_ids() -> list[int]:
    return [int(v) for v in request.form.getlist("ids") if v.isdigit()][:5000]


@bp.post("/staff/volunteers/bulk")
@organisers
def bulk() -> BaseResponse:
    form = BulkForm()
    form.group.choices = _group_choices()
    ids = _selected_ids()
    if not form.validate_on_submit() or not ids:
        flash(_("Choose some people and an action."), "error")
        return redirect(url_for("volunteers.review"))
    action = form.action.data
    if action == "export":
        header, rows = services.export(current_user, ids)
        return Response(stream_with_context(csv_stream(header, rows)), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=volunteers.csv"})
    if action == "tag":
        done = services.bulk_tag(current_user, ids, form.tag.data or "")
    elif action == "status" and form.status.data:
        done = services.bulk_status(current_user, ids, Status(form.status.data))
    elif action == "invite" and form.group.data:
        group = _group_or_404(form.group.data)
        people = [v for v in (services.reviewable(i) for i in ids) if v is not None]
        done = work.bulk_invite(current_user, group, people)
    else:
        flash(_("Choose some people and an action."), "error")
        return redirect(url_for("volunteers.review"))
    flash(_("Done for %(n)d people.", n=done), "info")
    return redirect(url_for("volunteers.review"))


def _volunteer_or_404(volunteer_id: int) -> Volunteer:
    person = services.reviewable(volunteer_id)
    if person is None:
        abort(404)
    return person


@bp.route("/staff/volunteers/<int:volunteer_id>")
@organisers
def volunteer_page(volunteer_id: int) -> str:
    return _volunteer_page(_volunteer_or_404(volunteer_id), show_contact=False)


def _volunteer_page(person: Volunteer, show_contact: bool) -> str:
    visible = staff_group_ids(current_user)
    invite = InviteForm()
    invite.group.choices = _group_choices()
    return render_template(
        "volunteers/volunteer.html", person=person, show_contact=show_contact,
        groups=[m for m in person.memberships if m.group_id in visible],
        tasks=[t for t in work.tasks_of(person) if t.group_id in visible],
        history=services.history(person), notes=services.notes(person), statuses=_status_labels(),
        status_form=StatusForm(status=person.status), note_form=NoteForm(),
        tags_form=TagsForm(tags=", ".join(person.tag_list)), invite_form=invite, confirm=ConfirmForm(),
        labels=task_labels(), answers=_answer_labels())


@bp.post("/staff/volunteers/<int:volunteer_id>/contact")
@organisers
def show_contact(volunteer_id: int) -> str:
    person = _volunteer_or_404(volunteer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.reveal_contact(current_user, person)
    return _volunteer_page(person, show_contact=True)


@bp.post("/staff/volunteers/<int:volunteer_id>/status")
@organisers
def change_status(volunteer_id: int) -> BaseResponse:
    person = _volunteer_or_404(volunteer_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.set_status(current_user, person, Status(form.status.data), form.vouched_by.data or "",
                                form.note.data or "")
        except services.TransitionNotAllowed as exc:
            labels = _status_labels()
            flash(_("A volunteer cannot go from “%(current)s” to “%(wanted)s”.",
                    current=labels.get(exc.current, exc.current), wanted=labels.get(exc.wanted, exc.wanted)), "error")
        else:
            flash(_("Status changed."), "info")
    elif form.confirmed.errors:
        flash(str(form.confirmed.errors[0]), "error")
    return redirect(url_for("volunteers.volunteer_page", volunteer_id=person.id))


@bp.post("/staff/volunteers/<int:volunteer_id>/note")
@organisers
def add_note(volunteer_id: int) -> BaseResponse:
    person = _volunteer_or_404(volunteer_id)
    form = NoteForm()
    if form.validate_on_submit():
        services.add_note(current_user, person, form.body.data or "")
    else:
        flash(_("A note cannot be empty."), "error")
    return redirect(url_for("volunteers.volunteer_page", volunteer_id=person.id))


@bp.post("/staff/volunteers/<int:volunteer_id>/tags")
@organisers
def set_tags(volunteer_id: int) -> BaseResponse:
    person = _volunteer_or_404(volunteer_id)
    form = TagsForm()
    if form.validate_on_submit():
        services.set_tags(current_user, person, form.tags.data or "")
    return redirect(url_for("volunteers.volunteer_page", volunteer_id=person.id))


@bp.post("/staff/volunteers/<int:volunteer_id>/invite")
@organisers
def invite(volunteer_id: int) -> BaseResponse:
    person = _volunteer_or_404(volunteer_id)
    form = InviteForm()
    form.group.choices = _group_choices()
    if form.validate_on_submit():
        try:
            work.invite(current_user, _group_or_404(form.group.data), person)
        except services.VolunteerError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Invitation sent."), "info")
    return redirect(url_for("volunteers.volunteer_page", volunteer_id=person.id))


# --- groups -------------------------------------------------------------------------------------


def _group_or_404(group_id: int) -> WorkingGroup:
    """A group the signed-in staff member may see; any other id answers 404, as if absent."""
    group = db.session.get(WorkingGroup, group_id)
    if group is None or not staff_sees(current_user, group):
        abort(404)
    return group


@bp.route("/staff/groups")
@organisers
def groups() -> str:
    """The working groups; `?todo=invitations` or `?todo=overdue` (the staff home's to-dos) lists
    only the groups with unanswered invitations or overdue tasks."""
    visible = _visible_groups()
    todos = services.group_todos(grp.id for grp in visible)
    todo = request.args.get("todo", "")
    if todo == services.TODO_INVITATIONS:
        visible = [grp for grp in visible if todos[grp.id].invitations]
    elif todo == services.TODO_OVERDUE:
        visible = [grp for grp in visible if todos[grp.id].overdue]
    else:
        todo = ""
    rows = [(grp, work.member_count(grp), todos[grp.id]) for grp in visible]
    return render_template("volunteers/groups.html", rows=rows, todo=todo)


def _group_fields(form: GroupForm) -> dict[str, object]:
    fields: dict[str, object] = {
        "name": form.name.data, "description": form.description.data,
        "open_to_interest": bool(form.open_to_interest.data), "size_limit": form.size_limit.data,
        "content_free": bool(form.content_free.data), "vetted_only": bool(form.vetted_only.data)}
    if "confidential" in form:
        fields["confidential"] = bool(form.confidential.data)
    return fields


@bp.route("/staff/groups/new", methods=["GET", "POST"])
@bp.route("/staff/groups/<int:group_id>/edit", methods=["GET", "POST"])
@organisers
def group_form(group_id: int | None = None) -> BaseResponse | str:
    group = _group_or_404(group_id) if group_id else None
    form = GroupForm(obj=group)
    if not current_user.has_role(Role.ADMIN):
        del form.confidential  # organisers cannot see confidential groups, so cannot make one
    if form.validate_on_submit():
        try:
            group = work.save_group(current_user, group, **_group_fields(form))
        except work.NotAllowed as exc:
            flash(str(exc), "error")
        else:
            flash(_("Group saved."), "info")
            return redirect(url_for("volunteers.group", group_id=group.id))
    return render_template("volunteers/group_form.html", form=form, group=group)


@bp.route("/staff/groups/<int:group_id>")
@organisers
def group(group_id: int) -> str:
    grp = _group_or_404(group_id)
    members = work.members(grp)
    task_form = TaskForm()
    task_form.assignees.choices = choice_list((m.volunteer_id, m.volunteer.nickname) for m in members)
    return render_template("volunteers/group.html", group=grp, members=members, board=work.group_tasks(grp),
                           task_form=task_form, move=MoveForm(), confirm=ConfirmForm(), labels=task_labels(),
                           invitations=work.group_pending_invitations(grp))


@bp.post("/staff/groups/<int:group_id>/invitations/<int:invitation_id>/<any(resend, withdraw):action>")
@organisers
def invitation_action(group_id: int, invitation_id: int, action: str) -> BaseResponse:
    grp = _group_or_404(group_id)
    if action == "withdraw" and not confirmed():
        return redirect(url_for("volunteers.group", group_id=grp.id, _anchor="invitations"))
    if action == "resend" and not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if action == "resend":
            work.resend_invitation(current_user, grp, invitation_id)
            flash(_("The invitation was mailed again."), "info")
        else:
            work.withdraw_invitation(current_user, grp, invitation_id)
            flash(_("The invitation was withdrawn: its links no longer work."), "info")
    except (work.InvitationProblem, work.NotAllowed) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("volunteers.group", group_id=grp.id, _anchor="invitations"))


@bp.post("/staff/groups/<int:group_id>/members/<int:volunteer_id>/<any(lead, unlead, remove):action>")
@organisers
def member_action(group_id: int, volunteer_id: int, action: str) -> BaseResponse:
    grp = _group_or_404(group_id)
    person = db.session.get(Volunteer, volunteer_id)
    if person is None:
        abort(404)
    if action == "remove" and not confirmed():
        return redirect(url_for("volunteers.group", group_id=grp.id))
    if action != "remove" and not ConfirmForm().validate_on_submit():
        abort(404)
    try:
        if action == "remove":
            work.remove_member(current_user, grp, person)
        else:
            work.set_lead(current_user, grp, person, action == "lead")
    except work.NotAllowed as exc:
        flash(str(exc), "error")
    return redirect(url_for("volunteers.group", group_id=grp.id))


@bp.post("/staff/groups/<int:group_id>/tasks")
@organisers
def new_task(group_id: int) -> BaseResponse:
    grp = _group_or_404(group_id)
    form = TaskForm()
    form.assignees.choices = choice_list((m.volunteer_id, m.volunteer.nickname) for m in work.members(grp))
    if form.validate_on_submit():
        work.create_task(current_user, grp, form.title.data or "", form.description.data or "", form.due_on.data,
                         Priority(form.priority.data), form.assignees.data or [])
        flash(_("Task created."), "info")
    else:
        flash(_("The task was not created: check the title and the date."), "error")
    return redirect(url_for("volunteers.group", group_id=grp.id))


def _task_or_404(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not staff_sees(current_user, task.group):
        abort(404)
    return task


@bp.route("/staff/tasks/<int:task_id>")
@organisers
def task(task_id: int) -> str:
    item = _task_or_404(task_id)
    assign = AssignForm(assignees=[v.id for v in item.assignees])
    assign.assignees.choices = choice_list((m.volunteer_id, m.volunteer.nickname) for m in work.members(item.group))
    return render_template("volunteers/task.html", task=item, space="staff", move=MoveForm(),
                           comment_form=CommentForm(), assign_form=assign,
                           body=render_markdown(item.description), labels=task_labels())


@bp.post("/staff/tasks/<int:task_id>/status")
@organisers
def task_status(task_id: int) -> BaseResponse:
    item = _task_or_404(task_id)
    form = MoveForm()
    if form.validate_on_submit():
        work.set_task_status(current_user, item, TaskStatus(form.status.data))
    if request.form.get("back") == "board":
        return redirect(url_for("volunteers.group", group_id=item.group_id))
    return redirect(url_for("volunteers.task", task_id=item.id))


@bp.post("/staff/tasks/<int:task_id>/comment")
@organisers
def task_comment(task_id: int) -> BaseResponse:
    item = _task_or_404(task_id)
    form = CommentForm()
    if form.validate_on_submit():
        work.comment(current_user, item, form.body.data or "")
    return redirect(url_for("volunteers.task", task_id=item.id))


@bp.post("/staff/tasks/<int:task_id>/assign")
@organisers
def task_assign(task_id: int) -> BaseResponse:
    item = _task_or_404(task_id)
    form = AssignForm()
    form.assignees.choices = choice_list((m.volunteer_id, m.volunteer.nickname) for m in work.members(item.group))
    if form.validate_on_submit():
        work.set_assignees(current_user, item, form.assignees.data or [])
        flash(_("Assignees saved."), "info")
    return redirect(url_for("volunteers.task", task_id=item.id))
