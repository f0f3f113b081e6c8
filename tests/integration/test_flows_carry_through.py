"""Flows that carry through: a mailed link to a page of the volunteer's space lands on that page
after the magic-link sign-in; a target outside the space is never followed."""
from __future__ import annotations

from urllib.parse import quote

from campaign.extensions import db
from campaign.volunteers.models import Task
from tests.conftest import Inbox
from tests.integration.volunteer_factories import add_member, make_group, make_volunteer


def _path(link: str) -> str:
    return link.split("127.0.0.1:5000", 1)[1]


def test_task_link_lands_on_the_task_after_magic_link_sign_in(client, inbox):
    person = make_volunteer()
    group = make_group()
    add_member(group, person)
    task = Task(group_id=group.id, title="Print flyers")
    task.assignees.append(person)
    db.session.add(task)
    db.session.commit()

    first = client.get(f"/me/tasks/{task.id}")
    assert first.status_code == 302
    signin = first.headers["Location"]
    assert signin.startswith("/volunteer/signin?next=")
    client.post(signin, data={"email": person.email})
    link = _path(Inbox.links(inbox.last_to(person.email))[0])
    assert f"next={quote(f'/me/tasks/{task.id}', safe='')}" in link or f"next=/me/tasks/{task.id}" in link
    landed = client.post(link, data={})
    assert landed.headers["Location"].endswith(f"/me/tasks/{task.id}")
    assert "Print flyers" in client.get(landed.headers["Location"]).get_data(as_text=True)


def test_targets_outside_the_volunteer_space_are_dropped(client, inbox):
    for hostile in ("//evil.example/me", "https://evil.example/me", "/staff/volunteers", "/me\\@evil", "/meeting"):
        # One volunteer per attempt: an address gets at most three unsolicited mails a day.
        person = make_volunteer()
        client.post(f"/volunteer/signin?next={quote(hostile, safe='')}", data={"email": person.email})
        link = _path(Inbox.links(inbox.last_to(person.email))[0])
        assert "next=" not in link
        landed = client.post(f"{link}?next={quote(hostile, safe='')}", data={})
        assert landed.headers["Location"].endswith("/me"), hostile
        client.post("/me/signout", data={})
