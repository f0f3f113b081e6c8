"""Factories for the volunteer tests: people, groups and memberships made directly in the database."""
from __future__ import annotations

import itertools
from typing import Any

from flask.testing import FlaskClient

from campaign.extensions import db
from campaign.timeutil import utcnow
from campaign.volunteers import services
from campaign.volunteers.models import Membership, StatusChange, Volunteer, WorkingGroup

_counter = itertools.count(1)


def make_volunteer(vetted: bool = False, **fields: Any) -> Volunteer:
    """A confirmed volunteer; `vetted` gives them the dated vetting entry confidential groups need."""
    n = next(_counter)
    values: dict[str, Any] = {"email": f"vol{n}@example.net", "nickname": f"小鹿{n}", "confirmed_at": utcnow(),
                              "contact_kind": "signal", "contact": f"+4915{n:07d}", "region": "上海"}
    values.update(fields)
    if vetted:
        values.setdefault("status", "vetted")
    volunteer = Volunteer(**values)
    db.session.add(volunteer)
    if vetted:
        db.session.flush()
        db.session.add(StatusChange(volunteer_id=volunteer.id, from_status="new", to_status="vetted"))
    db.session.commit()
    return volunteer


def make_group(**fields: Any) -> WorkingGroup:
    n = next(_counter)
    # A name given in some languages keeps the default in the others.
    name = {"zh_Hans": f"小组{n}", "en": f"Group {n}", **fields.pop("name", {})}
    values: dict[str, Any] = {"name": name, **fields}
    group = WorkingGroup(**values)
    db.session.add(group)
    db.session.commit()
    return group


def add_member(group: WorkingGroup, volunteer: Volunteer, lead: bool = False) -> Membership:
    row = Membership(group_id=group.id, volunteer_id=volunteer.id, is_lead=lead)
    db.session.add(row)
    db.session.commit()
    return row


def volunteer_client(app: Any, volunteer: Volunteer) -> FlaskClient:
    """A client whose session belongs to `volunteer`, as after using a magic link."""
    from tests.conftest import Client

    app.test_client_class = Client
    from campaign import sessions

    client = app.test_client()
    with app.app_context():
        token = sessions.start(sessions.VOLUNTEER, volunteer.id)
    with client.session_transaction() as sess:
        sess["volunteer"] = services.session_ident(volunteer)
        sess[sessions.COOKIE_KEY] = token
    return client
