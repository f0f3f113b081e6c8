"""The language switch keeps the page and what was typed, and never acts a second time: on a GET
page it is a link to the same address (query kept); on a page showing a posted form it sends the
same form again, which re-renders in the other language without acting."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.volunteers.models import Volunteer


def _switch(html: str) -> str:
    return html[html.index('class="lang-switch"'):html.index("</nav>", html.index('class="lang-switch"'))]


def _reposted(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', _switch(html)):
        found.setdefault(unescape(name), []).append(unescape(value))
    return found


def test_on_a_get_page_the_switch_links_to_the_same_page_and_query(client):
    html = client.get("/volunteer/signin?next=/me/tasks/3&lang=en").get_data(as_text=True)
    switch = _switch(html)
    assert 'href="/volunteer/signin?next=%2Fme%2Ftasks%2F3&amp;lang=zh-Hans"' in switch
    assert "<form" not in switch


def test_after_a_refused_form_the_switch_keeps_what_was_typed_and_does_not_act(client, inbox):
    typed = {"email": "ming@example.org", "nickname": "Ming <b>", "motivation": "I want to help\nwith posters",
             "region": "Guangzhou", "lang": "en"}
    refused = client.post("/volunteer?lang=en", data=typed)  # no consent: the form is refused
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "We need your agreement to keep your answers." in html
    assert '<html lang="en">' in html
    again = _reposted(html)
    assert again["email"] == ["ming@example.org"] and again["nickname"] == ["Ming <b>"]
    assert again["motivation"] == ["I want to help\nwith posters"]
    assert "csrf_token" in again
    assert 'name="_lang" value="zh-Hans"' in _switch(html)
    assert "Ming <b>" not in html  # what a stranger types never becomes markup

    # The person ticks the consent box in the meantime and presses 中文: nothing is saved or mailed.
    data = {k: v[0] for k, v in again.items()} | {"consent_data": "y", "_lang": "zh-Hans"}
    before = db.session.scalar(select(func.count()).select_from(Volunteer))
    switched = client.post("/volunteer?lang=en", data=data)
    assert switched.status_code == 200
    html = switched.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html
    assert 'value="ming@example.org"' in html and "I want to help\nwith posters" in html
    assert 'value="Ming &lt;b&gt;"' in html
    assert db.session.scalar(select(func.count()).select_from(Volunteer)) == before
    assert inbox.to("ming@example.org") == []
    # The choice is remembered for the next pages.
    assert client.get("/volunteer").get_data(as_text=True).startswith("<!doctype html>\n<html lang=\"zh-Hans\">")


def test_passwords_are_never_written_back_into_the_switch(client, make_user):
    make_user(email="staff@example.org", password="correct horse battery staple")
    html = client.post("/login?lang=en", data={"email": "", "password": "hunter2-secret"}).get_data(as_text=True)
    assert "hunter2-secret" not in html
    assert "password" not in _reposted(html)
