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


def _next_steps(html: str) -> str:
    start = html.index('class="next-steps')
    return html[start:html.index("</section>", start)]


def test_confirmation_pages_offer_the_next_step_but_not_what_was_just_done(client):
    """After signing, subscribing or volunteering, the page offers the other ways to help."""
    from tests.petitions_support import make_petition

    petition = make_petition()
    thanks = client.get(f"/petitions/{petition.slug}/thanks?signed=new&lang=en").get_data(as_text=True)
    steps = _next_steps(thanks)
    assert 'href="/volunteer"' in steps and 'href="/subscribe"' in steps and "Sign our petitions" not in steps
    assert "Ask others to sign" in thanks  # sharing stays first

    subscribed = client.post("/subscribe?lang=en", data={"email": "reader@example.org", "consent": "y"})
    steps = _next_steps(subscribed.get_data(as_text=True) if subscribed.status_code == 200
                        else client.get(subscribed.headers["Location"]).get_data(as_text=True))
    assert 'href="/volunteer"' in steps and 'href="/subscribe"' not in steps

    volunteered = client.post("/volunteer?lang=en", data={"email": "helper@example.org", "nickname": "Lin",
                                                           "consent_data": "y"}).get_data(as_text=True)
    assert "Check your mail" in volunteered
    steps = _next_steps(volunteered)
    assert 'href="/subscribe"' in steps and 'href="/volunteer"' not in steps
