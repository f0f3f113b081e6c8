"""Organisers find one subscriber by address (someone wrote in to leave) and take them off the
list; the page never lists the whole list, and each search is audited without what was typed."""
from __future__ import annotations

import re

from sqlalchemy import select

from campaign.audit.models import AuditEvent
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import services
from campaign.newsletter.models import OutboxRow, OutboxStatus, Subscriber
from tests.integration.newsletter_helpers import start_issue


def _subscribe(email: str, locale: str = "zh_Hans", source: str = "form") -> Subscriber:
    subscriber = services.subscribe_confirmed(email, "", locale, source=source)
    db.session.commit()
    return subscriber


def _status(email: str) -> str:
    db.session.expire_all()
    return db.session.scalars(select(Subscriber.status).where(Subscriber.email == email)).one()


def test_the_page_counts_by_language_and_shows_no_address_until_a_search(app, login_as):
    _subscribe("mei@example.org", "zh_Hans")
    _subscribe("lan@example.org", "zh_Hans", source="petition:3")
    _subscribe("sam@example.net", "en", source="import:substack-2025")
    organiser = login_as(Role.ORGANISER)

    page = organiser.get("/staff/newsletter/subscribers?lang=en").text
    assert "@example" not in page
    by_language = page.split("Subscribed, by language", 1)[1].split("</ul>", 1)[0]
    assert re.search(r"<strong>2</strong> Chinese \(Simplified", by_language)
    assert re.search(r"<strong>1</strong> English", by_language)
    assert 'href="/staff/newsletter/subscribers"' in organiser.get("/staff/newsletter?lang=en").text

    found = organiser.get("/staff/newsletter/subscribers?lang=en&q=example.org").text
    assert "mei@example.org" in found and "lan@example.org" in found and "sam@example.net" not in found
    assert "Petition signature" in found and "2 addresses found" in found
    imported = organiser.get("/staff/newsletter/subscribers?lang=en&q=sam@").text
    assert "Imported list (substack-2025)" in imported

    chinese = organiser.get("/staff/newsletter/subscribers?lang=zh_Hans&q=mei@").text
    assert "mei@example.org" in chinese and "已订阅" in chinese
    assert "Came from" not in chinese and "Take off the list" not in chinese


def test_a_short_search_says_why_and_shows_nobody(app, login_as):
    _subscribe("mei@example.org")
    organiser = login_as(Role.ORGANISER)
    page = organiser.get("/staff/newsletter/subscribers?lang=en&q=me").text
    assert "Type at least 3 characters of the address." in page
    assert "mei@example.org" not in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "newsletter.subscribers_searched")) is None


def test_a_search_is_audited_with_its_count_not_its_words(app, login_as):
    _subscribe("mei@example.org")
    organiser = login_as(Role.ORGANISER)
    organiser.get("/staff/newsletter/subscribers?q=mei@exa")
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "newsletter.subscribers_searched")
    ).one()
    assert entry.detail == "1 shown"
    assert "mei" not in f"{entry.target_type} {entry.target_id} {entry.detail}"


def test_wildcards_in_a_search_are_plain_characters(app, login_as):
    _subscribe("mei@example.org")
    organiser = login_as(Role.ORGANISER)
    page = organiser.get("/staff/newsletter/subscribers?lang=en&q=%25%25%25").text
    assert "mei@example.org" not in page and "0 addresses found" in page


def test_taking_someone_off_the_list_needs_the_box_and_skips_what_was_queued(app, login_as, make_user):
    subscriber = _subscribe("mei@example.org")
    organiser = login_as(Role.ORGANISER)
    start_issue(make_user(Role.ORGANISER))  # queued for them: the worker has not sent it yet
    action = f"/staff/newsletter/subscribers/{subscriber.id}/unsubscribe?q=mei@"
    page = organiser.get("/staff/newsletter/subscribers?lang=en&q=mei@").text
    assert f'action="{action.replace("&", "&amp;")}" class="confirm-action"' in page

    refused = organiser.post(action + "&lang=en", data={})
    assert refused.status_code == 303 and _status("mei@example.org") == "confirmed"

    done = organiser.post(action + "&lang=en", data={"confirmed": "y"})
    assert done.headers["Location"].endswith("/staff/newsletter/subscribers?q=mei@")
    assert _status("mei@example.org") == "unsubscribed"
    assert "Taken off the list" in organiser.get(done.headers["Location"] + "&lang=en").text
    pending = db.session.scalars(
        select(OutboxRow.status).where(OutboxRow.subscriber_id == subscriber.id)
    ).all()
    assert pending and OutboxStatus.PENDING.value not in pending
    assert db.session.scalars(
        select(AuditEvent.target_id).where(AuditEvent.action == "newsletter.unsubscribed_for")
    ).one() == str(subscriber.id)

    again = organiser.post(action + "&lang=en", data={"confirmed": "y"}, follow_redirects=True).text
    assert "This address had already left the list." in again


def test_only_organisers_and_admins_find_subscribers(app, login_as):
    _subscribe("mei@example.org")
    for role in (Role.CASEWORKER,):
        visitor = login_as(role)
        assert visitor.get("/staff/newsletter/subscribers?q=mei@").status_code in (403, 404)
    assert login_as(Role.ADMIN).get("/staff/newsletter/subscribers?q=mei@").status_code == 200
