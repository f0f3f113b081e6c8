"""The volunteer demo data: realistic size, confidential groups kept confidential, safe to run twice."""
from __future__ import annotations

import random

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.volunteers.demo import seed_volunteers
from campaign.volunteers.models import Membership, Task, Volunteer, WorkingGroup


def _counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) or 0
                 for model in (WorkingGroup, Volunteer, Membership, Task))


def test_demo_seeds_once_with_leads_and_confidential_groups(app):
    """Seeding gives six groups (two confidential, content-free), ~300 people, leads and ~40 tasks;
    again adds nothing."""
    seed_volunteers(random.Random(2025))
    first = _counts()
    assert first[0] == 6 and first[1] == 300 and first[3] == 40 and first[2] > 50
    secret = db.session.scalars(select(WorkingGroup).where(WorkingGroup.confidential.is_(True))).all()
    assert {g.name["en"] for g in secret} == {"Survivor support", "Legal research"}
    assert all(g.content_free and not g.open_to_interest for g in secret)
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.is_lead.is_(True))) == 12
    seed_volunteers(random.Random(2025))
    assert _counts() == first
