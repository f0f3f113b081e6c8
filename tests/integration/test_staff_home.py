"""The staff home: live figures and to-dos per role, counted over what the viewer may see,
each linking to the list it counts."""
from __future__ import annotations

import html
import random
import re
from datetime import timedelta

from flask.testing import FlaskClient

from campaign import access
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.intake.demo import seed_intake, seed_takedowns
from campaign.intake.models import HelpRequest, Status
from campaign.intake.takedowns.models import Response, Takedown
from campaign.newsletter.models import Issue, IssueStatus
from campaign.timeutil import org_midnight, utcnow
from campaign.volunteers.models import Invitation, Task
from tests.integration.volunteer_factories import make_group, make_volunteer
from tests.page_walk import seed_demo, walks
from tests.petitions_support import make_petition, sign_and_confirm

FIGURE = re.compile(r'<a href="([^"]+)"><span class="figure-value">([^<]*)</span> ([^<]+)</a>')


def _figures(client: FlaskClient) -> dict[str, tuple[str, str]]:
    page = client.get("/staff?lang=en")
    assert page.status_code == 200
    return {label.strip(): (html.unescape(href), value)
            for href, value, label in FIGURE.findall(page.get_data(as_text=True))}


def _volunteer_world() -> None:
    for _ in range(2):
        make_volunteer(status="new")
    make_volunteer(status="vetted")
    make_volunteer(status="new", confirmed_at=None)  # not confirmed: not awaiting review yet
    open_group, secret = make_group(), make_group(confidential=True)
    someone = make_volunteer(status="vetted")
    yesterday = utcnow().date() - timedelta(days=1)
    for group in (open_group, secret):
        db.session.add(Invitation(group_id=group.id, volunteer_id=someone.id))
        db.session.add(Task(group_id=group.id, title="Flyers", due_on=yesterday))
    db.session.add(Task(group_id=open_group.id, title="Done already", due_on=yesterday, status="done"))
    db.session.commit()


def test_organiser_sees_volunteer_todos_without_confidential_groups(app, login_as):
    """An organiser's to-dos count volunteers awaiting review, and only the invitations and overdue
    tasks of groups they may see; an admin's include the confidential group."""
    _volunteer_world()
    organiser = _figures(login_as(Role.ORGANISER))
    assert organiser["Volunteers awaiting review"][1] == "2"
    assert organiser["Unanswered invitations"][1] == "1"
    assert organiser["Overdue tasks"][1] == "1"
    admin = _figures(login_as(Role.ADMIN))
    assert admin["Unanswered invitations"][1] == "2"
    assert admin["Overdue tasks"][1] == "2"


def test_volunteer_todo_links_to_the_filtered_list(app, login_as):
    """Following "awaiting review" lists the new volunteers and not the vetted ones."""
    make_volunteer(status="new", nickname="新来的")
    make_volunteer(status="vetted", nickname="审核过")
    client = login_as(Role.ORGANISER)
    href, value = _figures(client)["Volunteers awaiting review"]
    assert value == "1" and "status=new" in href
    listing = client.get(href).get_data(as_text=True)
    assert "新来的" in listing and "审核过" not in listing


def test_petition_figures_count_confirmed_signatures(app, login_as, inbox, client):
    """Signatures today and this week count confirmed signatures; each open petition shows its
    count against its goal, linking to its signature list."""
    petition = make_petition()
    sign_and_confirm(app, client, inbox, "a@example.org")
    organiser = login_as(Role.ORGANISER)
    figures = _figures(organiser)
    assert figures["Signatures today"][1] == "1"
    assert figures["Signatures this week"][1] == "1"
    href, value = figures[petition.text("title", "en")]  # under its title, not its slug
    assert value == f"1 of {petition.goal}"
    assert organiser.get(href).status_code == 200


def test_today_is_the_organisations_day(app, login_as, inbox, client):
    """"Signatures today" starts at midnight in ORG_TIMEZONE (Asia/Shanghai: 16:00 UTC the day
    before), not at midnight UTC: one confirmed just after the organisation's midnight counts, one
    just before does not (whatever the hour a UTC clock shows)."""
    make_petition()
    after = sign_and_confirm(app, client, inbox, "after@example.org")
    before = sign_and_confirm(app, client, inbox, "before@example.org")
    with app.test_request_context():
        midnight = org_midnight()
    assert midnight.hour == 16  # Shanghai's midnight, stored as naive UTC
    after.confirmed_at = midnight + timedelta(minutes=1)
    before.confirmed_at = midnight - timedelta(minutes=1)
    db.session.commit()
    figures = _figures(login_as(Role.ORGANISER))
    assert figures["Signatures today"][1] == "1"
    assert figures["Signatures this week"][1] == "2"


def test_group_todos_lead_to_the_groups_concerned(app, login_as):
    """"Unanswered invitations" and "Overdue tasks" open the working groups that have some, each
    with its count; a group with neither is left out; its page marks the overdue task."""
    quiet = make_group(name={"en": "Quiet group", "zh_Hans": "安静组"})
    busy = make_group(name={"en": "Busy group", "zh_Hans": "忙碌组"})
    someone = make_volunteer(status="vetted")
    db.session.add(Invitation(group_id=busy.id, volunteer_id=someone.id))
    db.session.add(Task(group_id=busy.id, title="Late flyers", due_on=utcnow().date() - timedelta(days=2)))
    db.session.add(Task(group_id=quiet.id, title="Later", due_on=utcnow().date() + timedelta(days=5)))
    db.session.commit()
    client = login_as(Role.ORGANISER)
    figures = _figures(client)
    for label in ("Unanswered invitations", "Overdue tasks"):
        href, value = figures[label]
        assert value == "1"
        listing = client.get(href)
        assert listing.status_code == 200
        text = listing.get_data(as_text=True)
        assert "Busy group" in text and "Quiet group" not in text, label
        assert '<span class="badge warn">1</span>' in text
    everything = client.get("/staff/groups?lang=en").get_data(as_text=True)
    assert "Busy group" in everything and "Quiet group" in everything
    board = client.get(f"/staff/groups/{busy.id}?lang=en").get_data(as_text=True)
    late = board[board.index("Late flyers"):]
    assert 'class="badge warn">Overdue<' in late[:late.index("</li>")]
    other = client.get(f"/staff/groups/{quiet.id}?lang=en").get_data(as_text=True)
    assert "Later" in other and ">Overdue<" not in other


def test_caseworker_sees_casework_todos_only(app, login_as):
    """A caseworker's home counts cases awaiting triage and takedowns with no answer; it shows no
    volunteer or petition figures; each figure's link opens its filtered list."""
    rng = random.Random(15)
    seed_intake(rng)
    seed_takedowns(rng)
    client = login_as(Role.CASEWORKER)
    figures = _figures(client)
    waiting = db.session.query(HelpRequest).filter_by(status=Status.NEW.value).count()
    unanswered = db.session.query(Takedown).filter_by(response=Response.NONE.value).count()
    assert figures["Cases awaiting triage"] == ("/cases?status=new", str(waiting))
    assert figures["Takedowns awaiting an answer"] == ("/takedowns?response=none", str(unanswered))
    assert "Volunteers awaiting review" not in figures and "Signatures today" not in figures
    for href, _ in figures.values():
        assert client.get(href).status_code == 200


def test_takedown_list_filters_by_response(app, login_as):
    """The takedown list's `response` filter shows only reports with that answer."""
    rng = random.Random(15)
    seed_intake(rng)
    seed_takedowns(rng)
    client = login_as(Role.CASEWORKER)
    everything = client.get("/takedowns").get_data(as_text=True)
    waiting = client.get("/takedowns?response=none").get_data(as_text=True)
    assert len(waiting) < len(everything)
    assert client.get("/takedowns?response=<script>").status_code == 200


def test_sends_in_progress_link_to_the_sending_issues(app, login_as):
    """The newsletter card counts issues being sent and links to a list of just those."""
    db.session.add(Issue(subject={"en": "Sending now"}, status=IssueStatus.SENDING.value))
    db.session.add(Issue(subject={"en": "Still a draft"}))
    db.session.commit()
    client = login_as(Role.ORGANISER)
    href, value = _figures(client)["Sends in progress"]
    assert value == "1"
    listing = client.get(href).get_data(as_text=True)
    assert "Sending now" in listing and "Still a draft" not in listing


MENU = re.compile(r'<nav aria-label="[^"]*" class="staff-menu wrap">(.*?)</nav>', re.S)


def _menu(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = MENU.search(page.get_data(as_text=True))
    assert found, f"no staff menu on {path}"
    return found.group(1)


def test_staff_menu_on_staff_pages_marks_the_current_one(app, login_as):
    """Every staff page carries the staff menu with the viewer's sections, the current page
    marked; a public page has none."""
    group = make_group()
    client = login_as(Role.ORGANISER)
    for path in ("/staff", "/staff/volunteers", "/staff/groups", f"/staff/groups/{group.id}", "/staff/newsletter",
                 "/staff/petitions", "/account"):
        menu = _menu(client, path)
        assert 'href="/staff/volunteers"' in menu and 'href="/staff/newsletter"' in menu
        assert 'href="/cases"' not in menu and 'href="/admin' not in menu  # caseworker and admin sections
    assert 'href="/staff/volunteers" aria-current="page"' in _menu(client, "/staff/volunteers")
    assert 'href="/staff/groups" aria-current="true"' in _menu(client, f"/staff/groups/{group.id}")
    assert "staff-menu" not in client.get("/").get_data(as_text=True)
    caseworker = _menu(login_as(Role.CASEWORKER), "/cases")
    assert 'href="/cases" aria-current="page"' in caseworker and 'href="/staff/volunteers"' not in caseworker


# Pages made to be printed or framed, without the site's header and menus.
STANDALONE = {"petitions.sheet", "newsletter.issue_preview"}


def test_every_staff_page_of_the_demo_carries_the_staff_menu(app):
    """Every page a staff member reaches by following links from the staff home (with the demo data)
    whose view is staff-only shows the staff menu, bar the print pages that stand alone."""
    seed_demo(app)
    missing = []
    checked = 0
    for w in walks(app, "zh-Hans"):
        for visit in w.pages:
            declared = access.declared(app.view_functions[visit.endpoint])
            if declared is None or declared.kind != "staff" or visit.endpoint in STANDALONE:
                continue
            checked += 1
            if not MENU.search(visit.text()):
                missing.append(f"{w.who} {visit.url}")
    assert checked > 60
    assert missing == []
