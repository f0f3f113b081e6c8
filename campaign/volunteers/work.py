"""Working groups, invitations and tasks. Callers check visibility with `permissions` first;
these functions check again whether the actor may manage the group, and refuse otherwise."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, func, select, update

from campaign import claims, tokens
from campaign.audit import services as audit
from campaign.auth.models import Role, User
from campaign.extensions import db, rowcount
from campaign.links import absolute_url
from campaign.mail import services as mail
from campaign.timeutil import org_today, utcnow
from campaign.volunteers.models import (
    Invitation,
    InvitationState,
    Membership,
    Priority,
    Status,
    Task,
    TaskComment,
    TaskEvent,
    TaskStatus,
    Volunteer,
    WorkingGroup,
    task_assignees,
)
from campaign.volunteers.permissions import Actor, can_manage, can_see_task, membership
from campaign.volunteers.services import VolunteerError, find, is_vetted, may_move, record_status

logger = logging.getLogger(__name__)

INVITE_PURPOSE = "group-invite"
DUE_SOON_DAYS = 2


class NotAllowed(VolunteerError):
    pass


class InvitationProblem(VolunteerError):
    pass


def _staff(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _require_manager(actor: Actor, group: WorkingGroup) -> None:
    if not can_manage(actor, group):
        raise NotAllowed(str(_l("You may not manage this group.")))


# --- groups -------------------------------------------------------------------------------------


def save_group(actor: User, group: WorkingGroup | None, **fields: object) -> WorkingGroup:
    """Create or edit a group. Only admins make a group confidential (organisers could not see it)."""
    if fields.get("confidential") and not actor.has_role(Role.ADMIN):
        raise NotAllowed(str(_l("Only admins can make a group confidential.")))
    creating = group is None
    if fields.get("confidential") and (group is None or not group.confidential):
        fields["content_free"] = True  # a group turning confidential starts with content-free mail
    if group is None:
        group = WorkingGroup()
        db.session.add(group)
    elif not can_manage(actor, group):
        raise NotAllowed(str(_l("You may not manage this group.")))
    for name, value in fields.items():
        setattr(group, name, value)
    db.session.flush()
    audit.record(actor, "group.create" if creating else "group.update", "group", group.id)
    db.session.commit()
    return group


def members(group: WorkingGroup) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(Membership.group_id == group.id)
                                   .order_by(Membership.is_lead.desc(), Membership.joined_at)))


def member_count(group: WorkingGroup) -> int:
    return db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.group_id == group.id)) or 0


def set_lead(actor: User, group: WorkingGroup, volunteer: Volunteer, lead: bool) -> None:
    _require_manager(actor, group)
    row = membership(volunteer, group.id)
    if row is None:
        raise NotAllowed(str(_l("This person is not a member of the group.")))
    row.is_lead = lead
    audit.record(actor, "group.lead" if lead else "group.unlead", "group", group.id, f"volunteer {volunteer.id}")
    db.session.commit()


def remove_member(actor: Actor, group: WorkingGroup, volunteer: Volunteer) -> None:
    _require_manager(actor, group)
    row = membership(volunteer, group.id)
    if row is not None:
        db.session.delete(row)
        _unassign_open_tasks(group, volunteer)
        audit.record(_staff(actor), "group.remove_member", "group", group.id, _who(actor, volunteer))
    db.session.commit()


def leave(volunteer: Volunteer, group: WorkingGroup) -> None:
    row = membership(volunteer, group.id)
    if row is not None:
        db.session.delete(row)
        _unassign_open_tasks(group, volunteer)
        audit.record(None, "group.leave", "group", group.id, f"volunteer {volunteer.id}")
    db.session.commit()


def _unassign_open_tasks(group: WorkingGroup, volunteer: Volunteer) -> None:
    for task in db.session.scalars(select(Task).where(Task.group_id == group.id, Task.status != TaskStatus.DONE.value)):
        if volunteer in task.assignees:
            task.assignees.remove(volunteer)


def _who(actor: Actor, volunteer: Volunteer) -> str:
    by = "" if isinstance(actor, User) else f" by lead {actor.id}"
    return f"volunteer {volunteer.id}{by}"


def contact_view_by_lead(lead: Volunteer, group: WorkingGroup) -> None:
    """Leads see their members' contact details; each look is logged like a staff member's."""
    audit.record(None, "group.contacts_viewed", "group", group.id, f"by lead {lead.id}")
    db.session.commit()


# --- invitations --------------------------------------------------------------------------------


def _full(group: WorkingGroup) -> bool:
    return group.size_limit is not None and member_count(group) >= group.size_limit


def invite(actor: Actor, group: WorkingGroup, volunteer: Volunteer) -> Invitation:
    """Invite a confirmed volunteer into a group; they answer through signed mailed links."""
    _require_manager(actor, group)
    if (volunteer.confirmed_at is None or volunteer.erased_at is not None
            or volunteer.status == Status.BLOCKED.value or not volunteer.email):
        raise InvitationProblem(str(_l("This person cannot be invited.")))
    if (group.confidential or group.vetted_only) and not is_vetted(volunteer):
        raise InvitationProblem(str(_l("Only vetted volunteers can be invited to this group.")))
    if membership(volunteer, group.id) is not None:
        raise InvitationProblem(str(_l("This person is already a member.")))
    if _full(group):
        raise InvitationProblem(str(_l("The group has reached its size limit.")))
    pending = db.session.scalar(select(Invitation).where(
        Invitation.group_id == group.id, Invitation.volunteer_id == volunteer.id,
        Invitation.state == InvitationState.PENDING.value))
    if pending is not None:
        raise InvitationProblem(str(_l("An invitation is already waiting for an answer.")))
    invitation = Invitation(group_id=group.id, volunteer_id=volunteer.id,
                            invited_by_user_id=actor.id if isinstance(actor, User) else None,
                            invited_by_volunteer_id=actor.id if isinstance(actor, Volunteer) else None)
    db.session.add(invitation)
    db.session.flush()
    if volunteer.status in {Status.NEW.value, Status.CONTACTED.value, Status.VETTED.value}:
        record_status(volunteer, Status.INVITED, _staff(actor))
    _mail_invitation(invitation, reminder=False)
    audit.record(_staff(actor), "group.invite", "group", group.id, _who(actor, volunteer))
    db.session.commit()
    return invitation


def invite_by_email(lead: Volunteer, group: WorkingGroup, email: str) -> None:
    """A lead invites by address; an unknown address is ignored without saying so."""
    _require_manager(lead, group)
    volunteer = find(email)
    if volunteer is None or volunteer.confirmed_at is None:
        return
    try:
        invite(lead, group, volunteer)
    except InvitationProblem:
        db.session.rollback()


def bulk_invite(actor: User, group: WorkingGroup, people: Sequence[Volunteer]) -> int:
    sent = 0
    for volunteer in people:
        try:
            invite(actor, group, volunteer)
        except InvitationProblem:
            db.session.rollback()
            continue
        sent += 1
    return sent


def _invite_link(invitation: Invitation, answer: str) -> str:
    token = tokens.make(INVITE_PURPOSE, invitation.id, InvitationState.PENDING.value)
    return absolute_url("volunteers.invitation", token=token, answer=answer)


def _mail_invitation(invitation: Invitation, reminder: bool) -> None:
    volunteer, group = invitation.volunteer, invitation.group
    if not volunteer.email:
        return
    # A confidential group's name stays out of mail: the page behind the link shows it.
    group_name = None if group.confidential else group.text("name", volunteer.locale)
    subject = _l("Reminder: an invitation to a working group") if reminder else _l("An invitation to a working group")
    mail.send_template(volunteer.email, "group_invitation", volunteer.locale, subject,
                       group_name=group_name, reminder=reminder,
                       accept=_invite_link(invitation, "accept"), decline=_invite_link(invitation, "decline"),
                       days=current_app.config["INVITE_DAYS"])


def invitation_for(token: str) -> Invitation:
    max_age = current_app.config["INVITE_DAYS"] * 86400
    try:
        return tokens.open_link(INVITE_PURPOSE, token, max_age, Invitation, lambda invitation: invitation.state)
    except tokens.TokenExpired:
        raise InvitationProblem(str(_l("This invitation has expired. Ask the group to invite you again."))) from None
    except tokens.LinkSpent:
        raise InvitationProblem(str(_l("This invitation was already answered or withdrawn."))) from None
    except tokens.TokenInvalid:
        raise InvitationProblem(str(_l("This invitation link is not valid."))) from None


def respond(token: str, accept: bool) -> Invitation:
    """Accept (become a member) or decline; either way the links stop working."""
    return _answer(invitation_for(token), accept)


def respond_signed_in(volunteer: Volunteer, invitation_id: int, accept: bool) -> Invitation:
    """The same answer from the volunteer's own space: only their own invitation, still waiting."""
    invitation = db.session.get(Invitation, invitation_id)
    if (invitation is None or invitation.volunteer_id != volunteer.id
            or invitation.state != InvitationState.PENDING.value or _expired(invitation)):
        raise InvitationProblem(str(_l("This invitation was already answered or withdrawn.")))
    return _answer(invitation, accept)


def _expired(invitation: Invitation) -> bool:
    """Whether the newest mailed link of the invitation has run out (a reminder mails a new one)."""
    last = invitation.reminded_at or invitation.created_at
    return last <= utcnow() - timedelta(days=current_app.config["INVITE_DAYS"])


def _answer(invitation: Invitation, accept: bool) -> Invitation:
    volunteer, group = invitation.volunteer, invitation.group
    if volunteer.status == Status.BLOCKED.value:
        raise InvitationProblem(str(_l("This invitation was already answered or withdrawn.")))
    if accept:
        if _full(group):
            raise InvitationProblem(str(_l("The group has reached its size limit.")))
        if (group.confidential or group.vetted_only) and not is_vetted(volunteer):
            raise InvitationProblem(str(_l("This invitation was already answered or withdrawn.")))
        db.session.add(Membership(group_id=group.id, volunteer_id=volunteer.id))
        if may_move(volunteer, Status.ACTIVE):
            record_status(volunteer, Status.ACTIVE, None)
    invitation.state = (InvitationState.ACCEPTED if accept else InvitationState.DECLINED).value
    invitation.responded_at = utcnow()
    audit.record(None, "group.invite_accepted" if accept else "group.invite_declined", "group", group.id,
                 f"volunteer {volunteer.id}")
    db.session.commit()
    return invitation


def send_reminders() -> int:
    """Worker: one reminder for invitations unanswered after INVITE_REMINDER_DAYS."""
    days = current_app.config["INVITE_REMINDER_DAYS"]
    cutoff = utcnow() - timedelta(days=days)
    oldest = utcnow() - timedelta(days=current_app.config["INVITE_DAYS"])
    due = and_(Invitation.state == InvitationState.PENDING.value, Invitation.reminded_at.is_(None),
               Invitation.created_at <= cutoff, Invitation.created_at > oldest)
    # Claiming and queuing the reminders share one transaction: two workers never remind twice.
    claimed = claims.claim(Invitation, due, {"reminded_at": utcnow()}, 200)
    sent = 0
    for row in claimed:
        invitation = db.session.get(Invitation, row.id)
        if invitation is not None:
            _mail_invitation(invitation, reminder=True)
            sent += 1
    db.session.commit()
    return sent


def pending_invitations(volunteer: Volunteer) -> list[Invitation]:
    """The volunteer's invitations still waiting for an answer (expired ones left out)."""
    oldest = utcnow() - timedelta(days=current_app.config["INVITE_DAYS"])
    return list(db.session.scalars(select(Invitation).where(
        Invitation.volunteer_id == volunteer.id, Invitation.state == InvitationState.PENDING.value,
        func.coalesce(Invitation.reminded_at, Invitation.created_at) > oldest).order_by(Invitation.created_at)))


def group_pending_invitations(group: WorkingGroup) -> list[Invitation]:
    """Who was invited to the group and has not answered yet, oldest first (expired ones too)."""
    return list(db.session.scalars(select(Invitation).where(
        Invitation.group_id == group.id, Invitation.state == InvitationState.PENDING.value,
    ).order_by(Invitation.created_at)))


def _group_invitation(actor: Actor, group: WorkingGroup, invitation_id: int) -> Invitation:
    _require_manager(actor, group)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.group_id != group.id or invitation.state != InvitationState.PENDING.value:
        raise InvitationProblem(str(_l("This invitation was already answered or withdrawn.")))
    return invitation


def resend_invitation(actor: Actor, group: WorkingGroup, invitation_id: int) -> Invitation:
    """Mail a waiting invitation again (at most once a day), with fresh days to answer."""
    invitation = _group_invitation(actor, group, invitation_id)
    last = invitation.reminded_at or invitation.created_at
    if last > utcnow() - timedelta(days=1):
        raise InvitationProblem(str(_l("This invitation was mailed less than a day ago; try again tomorrow.")))
    invitation.reminded_at = utcnow()  # the new mail's links have their full days to answer
    _mail_invitation(invitation, reminder=True)
    audit.record(_staff(actor), "group.invite_resent", "group", group.id, f"volunteer {invitation.volunteer_id}")
    db.session.commit()
    return invitation


def withdraw_invitation(actor: Actor, group: WorkingGroup, invitation_id: int) -> Invitation:
    """Withdraw a waiting invitation: its mailed links stop working at once."""
    invitation = _group_invitation(actor, group, invitation_id)
    invitation.state = InvitationState.WITHDRAWN.value
    invitation.responded_at = utcnow()
    audit.record(_staff(actor), "group.invite_withdrawn", "group", group.id, f"volunteer {invitation.volunteer_id}")
    db.session.commit()
    return invitation


# --- tasks --------------------------------------------------------------------------------------

def _event(task: Task, actor: Actor, kind: str, detail: str = "") -> None:
    db.session.add(TaskEvent(task_id=task.id, kind=kind, detail=detail[:200],
                             actor_user_id=actor.id if isinstance(actor, User) else None,
                             actor_volunteer_id=actor.id if isinstance(actor, Volunteer) else None))


def _member_ids(group: WorkingGroup) -> set[int]:
    return set(db.session.scalars(select(Membership.volunteer_id).where(Membership.group_id == group.id)))


def _assignable(group: WorkingGroup, ids: Sequence[int]) -> list[Volunteer]:
    allowed = _member_ids(group) & set(ids)
    if not allowed:
        return []
    return list(db.session.scalars(select(Volunteer).where(Volunteer.id.in_(allowed))))


def _mail_assignment(task: Task, volunteer: Volunteer) -> None:
    if not volunteer.email:
        return
    link = absolute_url("volunteers.my_task", task_id=task.id)
    bare = task.group.content_free
    mail.send_template(volunteer.email, "task_assigned", volunteer.locale,
                       _l("You have a new task") if bare else _l("New task: %(title)s", title=task.title),
                       link=link, title=None if bare else task.title,
                       group_name=None if bare else task.group.text("name", volunteer.locale),
                       due_on=None if bare else task.due_on)


def create_task(actor: Actor, group: WorkingGroup, title: str, description: str, due_on: date | None,
                priority: Priority, assignee_ids: Sequence[int]) -> Task:
    _require_manager(actor, group)
    task = Task(group_id=group.id, title=title.strip()[:200], description=description.strip()[:10000],
                due_on=due_on, priority=priority.value)
    db.session.add(task)
    db.session.flush()
    task.assignees = _assignable(group, assignee_ids)
    _event(task, actor, "created")
    for volunteer in task.assignees:
        _mail_assignment(task, volunteer)
    audit.record(_staff(actor), "task.create", "task", task.id, f"group {group.id}")
    db.session.commit()
    return task


def set_assignees(actor: Actor, task: Task, assignee_ids: Sequence[int]) -> None:
    _require_manager(actor, task.group)
    before = {v.id for v in task.assignees}
    task.assignees = _assignable(task.group, assignee_ids)
    for volunteer in task.assignees:
        if volunteer.id not in before:
            _mail_assignment(task, volunteer)
    _event(task, actor, "assigned", f"{len(task.assignees)} people")
    task.updated_at = utcnow()
    db.session.commit()


def set_task_status(actor: Actor, task: Task, status: TaskStatus) -> None:
    """Managers of the group and the task's assignees move a task between columns."""
    if not can_see_task(actor, task):
        raise NotAllowed(str(_l("You may not change this task.")))
    if task.status != status.value:
        _event(task, actor, "status", f"{task.status} -> {status.value}")
        task.status = status.value
        task.updated_at = utcnow()
    db.session.commit()


def comment(actor: Actor, task: Task, body: str) -> None:
    if not can_see_task(actor, task):
        raise NotAllowed(str(_l("You may not change this task.")))
    db.session.add(TaskComment(task_id=task.id, body=body.strip()[:4000],
                               author_user_id=actor.id if isinstance(actor, User) else None,
                               author_volunteer_id=actor.id if isinstance(actor, Volunteer) else None))
    db.session.commit()


def group_tasks(group: WorkingGroup) -> dict[str, list[Task]]:
    """The board: tasks by status column, most urgent first."""
    columns: dict[str, list[Task]] = {s.value: [] for s in TaskStatus}
    for task in db.session.scalars(select(Task).where(Task.group_id == group.id)
                                   .order_by(Task.due_on.is_(None), Task.due_on, Task.id)):
        columns[task.status].append(task)
    return columns


def tasks_of(volunteer: Volunteer, open_only: bool = False) -> list[Task]:
    stmt = select(Task).join(task_assignees, task_assignees.c.task_id == Task.id).where(
        task_assignees.c.volunteer_id == volunteer.id)
    if open_only:
        stmt = stmt.where(Task.status != TaskStatus.DONE.value)
    return list(db.session.scalars(stmt.order_by(Task.due_on.is_(None), Task.due_on, Task.id)))


def send_digests(today: date | None = None) -> int:
    """Worker: once a day, each volunteer with open tasks due soon or overdue gets one mail."""
    today = today or org_today()
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    rows = db.session.execute(
        select(task_assignees.c.volunteer_id, Task.id)
        .join(Task, Task.id == task_assignees.c.task_id)
        .join(Volunteer, Volunteer.id == task_assignees.c.volunteer_id)
        .where(Task.status != TaskStatus.DONE.value, Task.due_on.is_not(None), Task.due_on <= horizon,
               Volunteer.email.is_not(None), Volunteer.status != Status.BLOCKED.value,
               _not_digested(today))
    ).all()
    by_volunteer: dict[int, list[int]] = {}
    for volunteer_id, task_id in rows:
        by_volunteer.setdefault(volunteer_id, []).append(task_id)
    sent = 0
    for volunteer_id, task_ids in by_volunteer.items():
        won = rowcount(db.session.execute(update(Volunteer).where(Volunteer.id == volunteer_id, _not_digested(today))
                                 .values(last_digest_on=today)))
        if not won:
            db.session.commit()
            continue
        volunteer = db.session.get(Volunteer, volunteer_id)
        if volunteer is None or not volunteer.email:  # erased since the query ran
            db.session.commit()
            continue
        tasks = list(db.session.scalars(select(Task).where(Task.id.in_(task_ids)).order_by(Task.due_on)))
        items = [{"title": None if t.group.content_free else t.title, "due_on": t.due_on,
                  "overdue": t.due_on is not None and t.due_on < today,
                  "link": absolute_url("volunteers.my_task", task_id=t.id)} for t in tasks]
        mail.send_template(volunteer.email, "task_digest", volunteer.locale, _l("Your tasks due soon"),
                           items=items, space=absolute_url("volunteers.me"))
        db.session.commit()
        sent += 1
    return sent


def _not_digested(today: date) -> ColumnElement[bool]:
    return (Volunteer.last_digest_on.is_(None)) | (Volunteer.last_digest_on < today)
