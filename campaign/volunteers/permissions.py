"""Who sees which working group, and who may manage it.

A confidential group exists only for its members, its leads and admins: organisers who are not
admins do not see it in lists, searches, exports or by typing its id. Leads manage only their own
group. The rule itself lives in `campaign.volunteers.visibility`; these are its per-row forms.
"""
from __future__ import annotations

from sqlalchemy import select

from campaign.auth.models import User
from campaign.extensions import db
from campaign.volunteers import visibility
from campaign.volunteers.models import Membership, Task, Volunteer, WorkingGroup

Actor = User | Volunteer


def staff_sees(user: User, group: WorkingGroup) -> bool:
    if not visibility.is_campaign_staff(user):
        return False
    return visibility.sees_confidential_groups(user) or not group.confidential


def staff_group_ids(user: User) -> set[int]:
    if not visibility.is_campaign_staff(user):
        return set()
    return set(db.session.scalars(visibility.visible_group_ids(user)))


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
