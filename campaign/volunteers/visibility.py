"""The one visibility policy: which groups, volunteers, tasks and audit entries a viewer may see.

Every list, count, select option, export, report and preview that shows working groups or the
people in them asks here, as SQL filters, so a new query cannot forget the rule:

- admins see every group;
- organisers see every group that is not confidential;
- a volunteer sees the groups they belong to (confidential ones included) and the listed ones;
- a group lead sees the members of the groups they lead, and nobody else's;
- anyone else (a caseworker without a campaign role, a visitor) sees only listed, open groups.

Someone who is neither a member nor an admin never learns a confidential group's name, size or
members. Help-desk cases are the intake feature's and go to caseworkers alone
(`sees_help_desk`); help-desk audit entries likewise.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from campaign.auth.models import Role, User
from campaign.extensions import db
from campaign.volunteers.models import (
    Membership,
    Task,
    Volunteer,
    WorkingGroup,
    task_assignees,
)

Viewer = User | Volunteer | None


def sees_confidential_groups(viewer: Viewer) -> bool:
    """Admins alone see every confidential group (members see only their own)."""
    return isinstance(viewer, User) and viewer.has_role(Role.ADMIN)


def is_campaign_staff(viewer: Viewer) -> bool:
    return isinstance(viewer, User) and viewer.has_role(Role.ADMIN, Role.ORGANISER)


def sees_help_desk(viewer: Viewer) -> bool:
    """Help-desk cases, their report and their audit entries: caseworkers only, admins included
    only when they are caseworkers too."""
    return isinstance(viewer, User) and viewer.has_role(Role.CASEWORKER)


def _member_group_ids(volunteer: Volunteer, leads_only: bool = False) -> Select[int]:
    stmt = select(Membership.group_id).where(Membership.volunteer_id == volunteer.id)
    if leads_only:
        stmt = stmt.where(Membership.is_lead.is_(True))
    return stmt


def group_filter(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on WorkingGroup: the groups `viewer` may know exist."""
    listed = and_(WorkingGroup.confidential.is_(False), WorkingGroup.open_to_interest.is_(True))
    if isinstance(viewer, User):
        if viewer.has_role(Role.ADMIN):
            return true()
        if viewer.has_role(Role.ORGANISER):
            return WorkingGroup.confidential.is_(False)
        return listed
    if isinstance(viewer, Volunteer):
        return or_(listed, WorkingGroup.id.in_(_member_group_ids(viewer)))
    return listed


def visible_groups(viewer: Viewer) -> Select[WorkingGroup]:
    return select(WorkingGroup).where(group_filter(viewer)).order_by(WorkingGroup.id)


def visible_group_ids(viewer: Viewer) -> Select[int]:
    return select(WorkingGroup.id).where(group_filter(viewer))


def managed_group_ids(viewer: Viewer) -> Select[int]:
    """Groups whose members, tasks and invitations `viewer` may manage."""
    if is_campaign_staff(viewer):
        return visible_group_ids(viewer)
    if isinstance(viewer, Volunteer):
        return _member_group_ids(viewer, leads_only=True)
    return select(WorkingGroup.id).where(false())


def may_see_group(viewer: Viewer, group_id: int) -> bool:
    return db.session.scalar(select(WorkingGroup.id).where(WorkingGroup.id == group_id, group_filter(viewer))) \
        is not None


def membership_filter(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on Membership: whose membership of which group `viewer` may see."""
    if isinstance(viewer, Volunteer):
        return or_(Membership.volunteer_id == viewer.id,
                   Membership.group_id.in_(_member_group_ids(viewer, leads_only=True)))
    if is_campaign_staff(viewer):
        return Membership.group_id.in_(visible_group_ids(viewer))
    return false()


def volunteer_filter(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on Volunteer: the people `viewer` may see at all. Staff see confirmed,
    unerased volunteers (but only the memberships `membership_filter` allows); a lead sees the
    members of the groups they lead; nobody else sees anyone but themselves."""
    if is_campaign_staff(viewer):
        return and_(Volunteer.confirmed_at.is_not(None), Volunteer.erased_at.is_(None))
    if isinstance(viewer, Volunteer):
        led = select(Membership.volunteer_id).where(
            Membership.group_id.in_(_member_group_ids(viewer, leads_only=True)))
        return or_(Volunteer.id == viewer.id, Volunteer.id.in_(led))
    return false()


def task_filter(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on Task: staff see the tasks of groups they see; a volunteer the tasks of
    groups they lead and the tasks they are assigned to."""
    if is_campaign_staff(viewer):
        return Task.group_id.in_(visible_group_ids(viewer))
    if isinstance(viewer, Volunteer):
        mine = select(task_assignees.c.task_id).where(task_assignees.c.volunteer_id == viewer.id)
        return or_(Task.group_id.in_(_member_group_ids(viewer, leads_only=True)), Task.id.in_(mine))
    return false()


def group_options(viewer: Viewer, locale: object) -> list[tuple[int, str]]:
    """(id, name) of the groups `viewer` may see, for select menus."""
    return [(group.id, group.text("name", str(locale))) for group in db.session.scalars(visible_groups(viewer))]
