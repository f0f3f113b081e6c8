"""Who sees which working group, and who may manage it.

A confidential group exists only for its members, its leads and admins: organisers who are not
admins do not see it in lists, searches, exports or by typing its id. Leads manage only their own
group. Every staff query about groups goes through `staff_group_ids`.
"""
from __future__ import annotations

from sqlalchemy import select

from campaign.auth.models import Role, User
from campaign.extensions import db
from campaign.volunteers.models import Membership, Task, Volunteer, WorkingGroup

Actor = User | Volunteer


def staff_sees(user: User, group: WorkingGroup) -> bool:
    if not user.has_role(Role.ADMIN, Role.ORGANISER):
        return False
    return user.has_role(Role.ADMIN) or not group.confidential


def staff_group_ids(user: User) -> set[int]:
    stmt = select(WorkingGroup.id)
    if not user.has_role(Role.ADMIN):
        if not user.has_role(Role.ORGANISER):
            return set()
        stmt = stmt.where(WorkingGroup.confidential.is_(False))
    return set(db.session.scalars(stmt))


def membership(volunteer: Volunteer, group_id: int) -> Membership | None:
    return db.session.scalar(select(Membership).where(
        Membership.volunteer_id == volunteer.id, Membership.group_id == group_id))


def is_lead(volunteer: Volunteer, group_id: int) -> bool:
    row = membership(volunteer, group_id)
    return row is not None and row.is_lead


def can_manage(actor: Actor, group: WorkingGroup) -> bool:
    """Organisers and admins (for groups they may see) and the group's own leads."""
    if isinstance(actor, User):
        return staff_sees(actor, group)
    return is_lead(actor, group.id)


def can_see_task(actor: Actor, task: Task) -> bool:
    if can_manage(actor, task.group):
        return True
    return isinstance(actor, Volunteer) and actor in task.assignees
