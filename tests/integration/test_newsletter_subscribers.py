"""Subscribing, confirming, preferences, one-click unsubscribe and list import."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import compose
from campaign.newsletter.models import Issue, Subscriber
from campaign.worker import run_once
from tests.conftest import Inbox


def _rejected_rows(page: str) -> list[list[str]]:
    """The cells of each table row (the cells carry data-label attributes for phones)."""
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", page)]


def _subscriber(email: str) -> Subscriber:
    found = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
    assert found is not None
    db.session.refresh(found)
    return found


def test_subscribe_needs_confirmation_by_link(client, inbox):
    """A sign-up stays pending until the mailed link is used, and a GET of that link confirms nothing."""
    response = client.post(
        "/subscribe", data={"email": "Mei@Example.org", "name": "小美", "language": "zh", "topics": ["policy"]}
    )
    assert response.status_code == 200
    assert _subscriber("mei@example.org").status == "pending"
    link = next(u for u in Inbox.links(inbox.last_to("mei@example.org")) if "/subscribe/confirm/" in u)
    path = link.split("5000", 1)[1]
    assert client.get(path).status_code == 200
    assert _subscriber("mei@example.org").status == "pending"
    assert client.post(path, data={}).status_code == 200
    person = _subscriber("mei@example.org")
    assert person.status == "confirmed" and person.topics == "policy" and person.name == "小美"


def test_bad_confirmation_link_is_refused(client):
    """A forged confirmation link confirms no one and says so."""
    response = client.get("/subscribe/confirm/not-a-token")
    assert response.status_code == 400


def test_preferences_link_changes_language_and_topics(client, app):
    """The signed link in every mail lets a reader change language and topics without an account."""
    person = Subscriber(email="lin@example.org", status="confirmed", locale="zh")
    db.session.add(person)
    db.session.commit()
    token = compose.manage_token(person.id)
    assert client.get(f"/newsletter/preferences/{token}").status_code == 200
    response = client.post(f"/newsletter/preferences/{token}", data={"language": "en", "topics": ["events", "support"]})
    assert response.status_code == 302
    person = _subscriber("lin@example.org")
    assert person.locale == "en" and person.topics == "support,events"
    assert client.get("/newsletter/preferences/forged").status_code == 400


def test_one_click_unsubscribe_post_without_cookie_or_csrf(app):
    """RFC 8058: a mailbox provider's POST (urlencoded or multipart, no cookie, no CSRF) unsubscribes with 200."""
    people = [Subscriber(email=f"p{i}@example.org", status="confirmed") for i in range(2)]
    db.session.add_all(people)
    db.session.commit()
    bare = app.test_client()  # no session, no CSRF token
    first = bare.post(f"/newsletter/unsubscribe/{compose.manage_token(people[0].id)}",
                      data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert first.status_code == 200 and "Location" not in first.headers
    second = bare.post(f"/newsletter/unsubscribe/{compose.manage_token(people[1].id)}",
                       data={"List-Unsubscribe": "One-Click"}, content_type="multipart/form-data")
    assert second.status_code == 200
    assert _subscriber("p0@example.org").status == "unsubscribed"
    assert _subscriber("p1@example.org").status == "unsubscribed"
    assert bare.post("/newsletter/unsubscribe/forged", data="List-Unsubscribe=One-Click",
                     content_type="application/x-www-form-urlencoded").status_code == 400


def test_unsubscribe_get_only_shows_a_button(client):
    """Link scanners follow GETs: opening the unsubscribe link must not unsubscribe."""
    person = Subscriber(email="scan@example.org", status="confirmed")
    db.session.add(person)
    db.session.commit()
    response = client.get(f"/newsletter/unsubscribe/{compose.manage_token(person.id)}")
    assert response.status_code == 200
    assert b'method="post"' in response.data
    assert _subscriber("scan@example.org").status == "confirmed"


def test_import_previews_merges_and_lists_rejects(login_as):
    """A Substack export is previewed with every rejected row and its reason, merged, then imported with its source."""
    db.session.add(Subscriber(email="left@example.org", status="unsubscribed"))
    db.session.commit()
    organiser = login_as(Role.ORGANISER)
    data = (
        "email,name,created_at\n"
        "ana@example.org,Ana,2025-03-01T10:00:00.000Z\n"
        "ANA@example.org,Ana again,2025-03-02\n"
        "not-an-address,Bad,2025-03-03\n"
        ",Nobody,\n"
        "left@example.org,Left,2025-01-01\n"
        "wang@example.org,王,2025-04-01\n"
    )
    response = organiser.post("/staff/newsletter/import?lang=en", data={
        "file": (io.BytesIO(data.encode()), "substack.csv"), "source": "substack-2025",
        "language": "zh", "consent": "y",
    }, content_type="multipart/form-data")
    assert response.status_code == 303  # the worker checks the list; the page follows it
    status = response.location
    assert "Checking the list" in organiser.get(status + "?lang=en").get_data(as_text=True)
    assert run_once(organiser.application, {"newsletter.import"}) == 1
    response = organiser.get(status + "?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ["4", "not-an-address", "not a valid email address"] in _rejected_rows(page)
    assert ["5", "", "no email address"] in _rejected_rows(page)
    assert "<strong>1</strong> duplicate rows merged" in page
    assert db.session.scalar(select(Subscriber).where(Subscriber.email == "ana@example.org")) is None
    response = organiser.post(status + "/confirm", data={})
    assert response.status_code == 303
    run_once(organiser.application, {"newsletter.import"})
    assert "<strong>2</strong> subscribers imported" in organiser.get(status + "?lang=en").get_data(as_text=True)
    ana = _subscriber("ana@example.org")
    assert ana.status == "confirmed" and ana.source == "import:substack-2025" and ana.name == "Ana"
    assert _subscriber("wang@example.org").status == "confirmed"
    assert _subscriber("left@example.org").status == "unsubscribed"  # not re-added by a side door


def test_archive_shows_only_published_issues_in_the_readers_language(client, make_user):
    """The public archive lists published issues only, in English when chosen, with no reader's name in it."""
    from campaign.newsletter import services

    organiser = make_user(Role.ORGANISER)
    shown = services.create_issue(services.IssueData(
        subject={"zh_Hans": "第七期", "en": "Issue 7"}, body={"zh_Hans": "{{name|朋友}}，你好",
            "en": "Hello {{name|friend}}"}), organiser)
    hidden = services.create_issue(services.IssueData(subject={"zh_Hans": "草稿"}, body={"zh_Hans": "还没发"}),
        organiser)
    from tests.integration.newsletter_helpers import add_subscribers

    add_subscribers(1)  # an issue is never sent to nobody
    services.start_send(shown.id, organiser)
    from campaign.newsletter import dispatch

    dispatch.run(budget=1)
    dispatch._finish_or_pause(shown.id)
    services.set_published(shown.id, True, organiser)
    page = client.get("/newsletter/archive?lang=zh").get_data(as_text=True)
    assert "第七期" in page and "草稿" not in page
    assert "朋友，你好" in client.get(f"/newsletter/archive/{shown.id}?lang=zh").get_data(as_text=True)
    assert "Hello friend" in client.get(f"/newsletter/archive/{shown.id}?lang=en").get_data(as_text=True)
    assert client.get(f"/newsletter/archive/{hidden.id}").status_code == 404
    # A Traditional Chinese reader: the Simplified text, marked as such, until a Traditional one is written.
    fallback = client.get(f"/newsletter/archive/{shown.id}?lang=zh-Hant").get_data(as_text=True)
    assert '<span lang="zh-Hans">第七期</span>' in fallback and '<div lang="zh-Hans">' in fallback
    assert 'class="fallback-note' in fallback
    listed = client.get("/newsletter/archive?lang=zh-Hant").get_data(as_text=True)
    assert '<span lang="zh-Hans">第七期</span>' in listed
    issue = db.session.get(Issue, shown.id)
    issue.subject = {**issue.subject, "zh_Hant": "第七期（繁）"}
    issue.body = {**issue.body, "zh_Hant": "{{name|朋友}}，妳們好"}
    db.session.commit()
    written = client.get(f"/newsletter/archive/{shown.id}?lang=zh-Hant").get_data(as_text=True)
    assert "第七期（繁）" in written and "朋友，妳們好" in written and 'class="fallback-note' not in written


def test_demo_seed_is_idempotent(app):
    """`flask demo seed` twice gives one demo list of 1,000 and one published issue."""
    import random

    from sqlalchemy import func

    from campaign.newsletter.demo import seed_newsletter
    from campaign.newsletter.models import Issue

    seed_newsletter(random.Random(1))
    seed_newsletter(random.Random(1))
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 1000
    assert db.session.scalar(select(func.count()).where(Issue.published.is_(True))) == 1


def _seed_demo():
    import random

    from campaign.newsletter.demo import seed_newsletter

    seed_newsletter(random.Random(3))


def test_public_pages_render_and_staff_pages_are_closed(client):
    """The sign-up and archive pages render over the demo data; the composer is closed to strangers."""
    _seed_demo()
    for path in ("/subscribe", "/newsletter/archive", "/newsletter/archive/1"):
        assert client.get(path).status_code == 200, path
    assert client.get("/staff/newsletter").status_code == 302  # to the sign-in page


def test_staff_pages_render_with_the_demo_list(login_as):
    """The newsletter's staff pages render over the demo list of 1,000."""
    _seed_demo()
    admin = login_as(Role.ADMIN, Role.ORGANISER)
    for path in ("/staff/newsletter", "/staff/newsletter/issues/new", "/staff/newsletter/import",
                 "/staff/newsletter/bounced", "/staff/newsletter/issues/1", "/staff/newsletter/issues/1/edit"):
        assert admin.get(path).status_code == 200, path
    assert "通讯第七期" in admin.get("/staff/newsletter").get_data(as_text=True)


@pytest.mark.parametrize(("role", "path"), [
    (Role.CASEWORKER, "/staff/newsletter"), (Role.ORGANISER, "/staff/newsletter/bounced"),
])
def test_staff_pages_need_the_right_role(login_as, role, path):
    """Caseworkers cannot reach the subscriber list; only admins review bounced addresses."""
    assert login_as(role).get(path).status_code == 403


def test_a_20000_row_import_runs_in_the_worker_and_the_request_returns_at_once(login_as):
    """Uploading 20,000 rows only queues the work (finding: the import ran inside the request,
    hit gunicorn's timeout under load and imported nothing); the worker checks and imports them,
    and the page shows progress without JavaScript (it reloads itself)."""
    organiser = login_as(Role.ORGANISER)
    rows = "".join(f"reader{n}@example.org,Reader {n},2025-01-01\n" for n in range(20_000))
    data = "email,name,date\n" + rows + "broken-line,Bad,\n"
    response = organiser.post("/staff/newsletter/import?lang=en", data={
        "file": (io.BytesIO(data.encode()), "big.csv"), "source": "substack-2025", "language": "en", "consent": "y",
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0  # nothing done in the request
    page = organiser.get(response.location + "?lang=en").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page and "Reload" in page
    status = response.location
    assert run_once(organiser.application, {"newsletter.import"}) == 1
    progress = organiser.get(status + ".json").json
    assert progress == {"status": "ready", "processed": 20_001, "total": 20_001, "added": 20_000}
    page = organiser.get(status + "?lang=en").get_data(as_text=True)
    assert ["20002", "broken-line", "not a valid email address"] in _rejected_rows(page)
    assert '<meta http-equiv="refresh"' not in page
    organiser.post(status + "/confirm", data={})
    assert run_once(organiser.application, {"newsletter.import"}) == 1
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 20_000
    assert organiser.get(status + ".json").json["status"] == "done"
