"""Organisers review volunteers: filters, statuses with history, vetting, blocking, contact logging, bulk."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.volunteers.models import Membership, StatusChange, Volunteer
from tests.conftest import Inbox
from tests.integration.volunteer_factories import (  # noqa: F401
    add_member,
    make_group,
    make_volunteer,
    volunteer_client,
)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_status_change_is_dated_in_history_and_audited(login_as):
    """Every status change is kept in the history, with who vouched when vetting, and in the audit log."""
    person = make_volunteer()
    organiser = login_as("organiser")
    response = organiser.post(f"/staff/volunteers/{person.id}/status",
                              data={"status": "vetted", "vouched_by": "阿青（翻译组）", "note": "视频通话核实"})
    assert response.status_code == 302
    change = db.session.scalar(select(StatusChange).where(StatusChange.volunteer_id == person.id))
    assert (change.from_status, change.to_status, change.vouched_by) == ("new", "vetted", "阿青（翻译组）")
    assert change.at is not None and change.actor_id is not None
    assert "volunteer.status" in _actions()
    page = organiser.get(f"/staff/volunteers/{person.id}").get_data(as_text=True)
    assert "阿青（翻译组）" in page


def test_block_revokes_session_links_and_memberships_at_once(app, login_as, inbox):
    """Blocking someone ends their session, voids a sign-in link already mailed, and removes them from groups."""
    person = make_volunteer()
    group = make_group()
    add_member(group, person)
    space = volunteer_client(app, person)
    assert space.get("/me").status_code == 200
    anonymous = volunteer_client(app, person)
    anonymous.post("/volunteer/signin", data={"email": person.email})
    link = Inbox.links(inbox.last_to(person.email))[0].split("127.0.0.1:5000", 1)[1]
    login_as("organiser").post(f"/staff/volunteers/{person.id}/status", data={"status": "blocked", "confirmed": "y"})
    assert space.get("/me").status_code == 302
    assert anonymous.post(link, data={}).status_code == 400
    assert db.session.scalars(select(Membership).where(Membership.volunteer_id == person.id)).all() == []


def test_contact_details_are_hidden_until_shown_and_that_is_logged(login_as):
    """Staff see a volunteer's address only by asking, and each look is in the audit log."""
    person = make_volunteer(email="quiet@example.net")
    organiser = login_as("organiser")
    assert "quiet@example.net" not in organiser.get(f"/staff/volunteers/{person.id}").get_data(as_text=True)
    assert "volunteer.contact_viewed" not in _actions()
    shown = organiser.post(f"/staff/volunteers/{person.id}/contact", data={})
    assert "quiet@example.net" in shown.get_data(as_text=True)
    assert "volunteer.contact_viewed" in _actions()


def test_filters_and_search(login_as):
    """The list narrows by status, skill, language, region, group of interest, tag and free search."""
    group = make_group(name={"en": "Translation"})
    alice = make_volunteer(nickname="译者阿蓝", skills="translation", languages="zh,en", region="广州", status="vetted",
                           tags="fast")
    alice.interests = [group]
    bob = make_volunteer(nickname="设计师小北", skills="design", languages="zh", region="北京")
    db.session.commit()
    organiser = login_as("organiser")

    def names(query: str) -> set[str]:
        page = organiser.get("/staff/volunteers?" + query).get_data(as_text=True)
        return {n for n in ("译者阿蓝", "设计师小北") if n in page}

    assert names("") == {"译者阿蓝", "设计师小北"}
    assert names("status=vetted") == {"译者阿蓝"}
    assert names("skill=design") == {"设计师小北"}
    assert names("language=en") == {"译者阿蓝"}
    assert names("region=北京") == {"设计师小北"}
    assert names(f"group={group.id}") == {"译者阿蓝"}
    assert names("tag=fast") == {"译者阿蓝"}
    assert names("q=小北") == {"设计师小北"}
    assert names(f"q={bob.email}") == {"设计师小北"}


def test_private_notes_and_tags(login_as, app):
    """Notes and tags are for staff: saved, audited, and never shown in the volunteer's own space."""
    person = make_volunteer()
    organiser = login_as("organiser")
    organiser.post(f"/staff/volunteers/{person.id}/note", data={"body": "朋友推荐，可信"})
    organiser.post(f"/staff/volunteers/{person.id}/tags", data={"tags": "Legal, fast ,legal"})
    db.session.refresh(person)
    assert person.tag_list == ["legal", "fast"]
    assert "朋友推荐，可信" in organiser.get(f"/staff/volunteers/{person.id}").get_data(as_text=True)
    own = volunteer_client(app, person).get("/me").get_data(as_text=True)
    assert "朋友推荐" not in own and "legal" not in own


def test_bulk_tag_status_and_invite(login_as, inbox):
    """Bulk actions apply to every selected person and only to them."""
    a, b, c = make_volunteer(), make_volunteer(), make_volunteer()
    group = make_group()
    organiser = login_as("organiser")
    ids = [str(a.id), str(b.id)]
    organiser.post("/staff/volunteers/bulk", data={"ids": ids, "action": "tag", "tag": "夏季"})
    organiser.post("/staff/volunteers/bulk", data={"ids": ids, "action": "status", "status": "contacted"})
    organiser.post("/staff/volunteers/bulk", data={"ids": ids, "action": "invite", "group": str(group.id)})
    for person in (a, b, c):
        db.session.refresh(person)
    assert a.tag_list == ["夏季"] and c.tag_list == []
    assert (a.status, b.status, c.status) == ("invited", "invited", "new")
    assert {str(m["To"]) for m in inbox.messages} == {a.email, b.email}


def test_export_is_logged_and_formula_safe(login_as):
    """An export holds contact details, so it is audit-logged; a nickname cannot become a spreadsheet formula."""
    person = make_volunteer(nickname="=HYPERLINK(\"http://x\")")
    organiser = login_as("organiser")
    response = organiser.post("/staff/volunteers/bulk", data={"ids": [str(person.id)], "action": "export"})
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "'=HYPERLINK" in body and person.email in body
    assert "volunteer.export" in _actions()


def test_unconfirmed_volunteers_cannot_be_opened_by_id(login_as):
    """Someone who has not confirmed their address is invisible to organisers, even by id."""
    person = make_volunteer(confirmed_at=None)
    assert login_as("organiser").get(f"/staff/volunteers/{person.id}").status_code == 404
    assert db.session.get(Volunteer, person.id) is not None


def test_date_filter(login_as):
    """Organisers can narrow the list to people who signed up in a date range."""
    make_volunteer(nickname="早鸟", created_at=datetime(2026, 9, 1, 12))
    make_volunteer(nickname="新人", created_at=datetime(2026, 11, 1, 12))
    page = login_as("organiser").get("/staff/volunteers?since=2026-10-01&until=2026-11-30").get_data(as_text=True)
    assert "新人" in page and "早鸟" not in page
