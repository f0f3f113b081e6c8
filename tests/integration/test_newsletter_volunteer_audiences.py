"""Volunteer and group audiences reach the volunteers who agreed to be mailed, subscribed to the
newsletter or not; each such mail carries a one-click unsubscribe that withdraws that consent."""
from __future__ import annotations

import email
import re
import time
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from campaign import worker
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import services
from campaign.newsletter.models import Issue, OutboxRow, Subscriber
from campaign.volunteers.models import Volunteer
from tests.integration.newsletter_helpers import counting_sink
from tests.integration.volunteer_factories import add_member, make_group, make_volunteer, volunteer_client

FAST = {"NEWSLETTER_RATE": 100000.0, "NEWSLETTER_RETRY_BASE": 0.02, "NEWSLETTER_BATCH": 50}


@pytest.fixture()
def sink_app(app, make_app):
    with counting_sink() as (sink, port):
        sink.keep_raw = True
        yield make_app(MAIL_PORT=port, **FAST), sink


def _drain(app, issue_id: int) -> Issue:
    for _round in range(2000):
        worker.run_once(app, {"newsletter.dispatch"})
        db.session.expire_all()
        issue = db.session.get(Issue, issue_id)
        if issue.status != "sending":
            return issue
        time.sleep(0.01)
    raise AssertionError("the send never finished")


def _group_with_people():
    """A group with one volunteer of each kind; returns (group, {kind: volunteer})."""
    group = make_group()
    people = {
        "agreed": make_volunteer(email="agreed@example.net", mail_consent=True),
        "refused": make_volunteer(email="refused@example.net", mail_consent=False),
        "both": make_volunteer(email="both@example.net", mail_consent=True),
        "subscribed": make_volunteer(email="subscribed@example.net", mail_consent=False),
        "english": make_volunteer(email="english@example.net", mail_consent=True, locale="en"),
    }
    for person in people.values():
        add_member(group, person)
    db.session.add_all([Subscriber(email="both@example.net", status="confirmed"),
                        Subscriber(email="subscribed@example.net", status="confirmed"),
                        Subscriber(email="outsider@example.net", status="confirmed")])
    db.session.commit()
    return group, people


def test_group_audience_reaches_who_agreed_subscribed_or_not(sink_app, make_user):
    other, sink = sink_app
    with other.app_context():
        group, _people = _group_with_people()
        organiser = make_user(Role.ORGANISER)
        issue = services.create_issue(services.IssueData(subject={"zh_Hans": "小组通知"},
            body={"zh_Hans": "{{name|朋友}}，周六见。"},
                                                         segment=f"volunteer-group:{group.id}"), organiser)
        assert services.audience_count(issue, organiser) == 4
        assert services.start_send(issue.id, organiser) == 4
        assert _drain(other, issue.id).status == "sent"
        # Each once; the one who agreed to neither and the subscriber outside the group get nothing.
        assert dict(sink.counts) == {"agreed@example.net": 1, "both@example.net": 1,
                                     "subscribed@example.net": 1, "english@example.net": 1}


def test_languages_still_narrow_the_volunteers_reached(app, make_user):
    group, _people = _group_with_people()
    organiser = make_user(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(subject={"en": "Group news"},
        body={"en": "See you"}, languages=["en"],
                                                     segment=f"volunteer-group:{group.id}"), organiser)
    assert services.audience_count(issue, organiser) == 1  # the English-reading volunteer


def test_status_audience_reaches_consenting_volunteers_of_that_status(app, make_user):
    make_volunteer(email="v1@example.net", status="active", mail_consent=True)
    make_volunteer(email="v2@example.net", status="active", mail_consent=False)
    make_volunteer(email="v3@example.net", status="new", mail_consent=True)
    make_volunteer(email="v4@example.net", status="active", mail_consent=True, confirmed_at=None)
    organiser = make_user(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "致志愿者"}, body={"zh_Hans": "谢谢"},
                                                     segment="volunteer-status:active"), organiser)
    assert services.audience_count(issue, organiser) == 1
    services.start_send(issue.id, organiser)
    assert [r.email for r in db.session.scalars(select(OutboxRow).where(OutboxRow.issue_id == issue.id))] == [
        "v1@example.net"]


def test_a_caseworker_reaches_no_volunteer_by_status(app, make_user):
    make_volunteer(email="v1@example.net", status="active", mail_consent=True)
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "致志愿者"}, body={"zh_Hans": "谢谢"},
                                                     segment="volunteer-status:active"), make_user(Role.ORGANISER))
    assert services.audience_count(issue, make_user(Role.CASEWORKER)) == 0


def test_one_click_unsubscribe_withdraws_the_volunteer_consent(sink_app, make_user):
    other, sink = sink_app
    with other.app_context():
        group, people = _group_with_people()
        organiser = make_user(Role.ORGANISER)
        issue = services.create_issue(services.IssueData(subject={"zh_Hans": "小组通知"}, body={"zh_Hans": "周六见"},
                                                         segment=f"volunteer-group:{group.id}"), organiser)
        services.start_send(issue.id, organiser)
        _drain(other, issue.id)
        raw = next(r for r in sink.raw if b"<agreed@example.net>" in r.split(b"\r\n\r\n", 1)[0])
        msg = email.message_from_bytes(raw, policy=default_policy)
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = re.fullmatch(r"<http://127\.0\.0\.1:5000(/newsletter/unsubscribe/[\w.-]+)>",
                           msg["List-Unsubscribe"]).group(1)
        assert url in msg.get_body(preferencelist=("plain",)).get_content()
        bare = other.test_client()  # a mail provider: no cookie, no CSRF token
        assert bare.get(url).status_code == 200  # a GET (a link scanner) changes nothing
        assert db.session.get(Volunteer, people["agreed"].id).mail_consent is True
        answer = bare.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
        assert answer.status_code == 200 and "Location" not in answer.headers
        db.session.expire_all()
        assert db.session.get(Volunteer, people["agreed"].id).mail_consent is False
        # The volunteer's own preferences link leads to the same choice, not to an error.
        assert bare.get(url.replace("unsubscribe", "preferences")).status_code == 302
        sink.counts.clear()
        again = services.create_issue(services.IssueData(subject={"zh_Hans": "第二次"}, body={"zh_Hans": "再见"},
                                                         segment=f"volunteer-group:{group.id}"), organiser)
        services.start_send(again.id, organiser)
        _drain(other, again.id)
        assert "agreed@example.net" not in sink.counts and "both@example.net" in sink.counts


def test_withdrawing_skips_rows_not_yet_sent(app, make_user):
    group, people = _group_with_people()
    organiser = make_user(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "小组通知"}, body={"zh_Hans": "周六见"},
                                                     segment=f"volunteer-group:{group.id}"), organiser)
    services.start_send(issue.id, organiser)
    row = db.session.scalar(select(OutboxRow).where(OutboxRow.email == "agreed@example.net"))
    assert row is not None and row.subscriber_id is None and row.contact == f"volunteer:{people['agreed'].id}"
    services.withdraw_contact(row.contact)
    db.session.commit()
    db.session.refresh(row)
    assert row.status == "skipped"


def test_consent_is_asked_at_sign_up_changed_at_me_and_shown_to_reviewers(client, login_as, app):
    form = client.get("/volunteer?lang=en").get_data(as_text=True)
    assert 'name="mail_consent"' in form
    person = make_volunteer(email="me@example.net", mail_consent=False)
    mine = volunteer_client(app, person)
    page = mine.get("/me/profile?lang=en").get_data(as_text=True)
    assert 'name="mail_consent"' in page
    mine.post("/me/profile", data={"nickname": person.nickname, "mail_consent": "y"})
    db.session.expire_all()
    assert db.session.get(Volunteer, person.id).mail_consent is True
    review = login_as(Role.ORGANISER).get(f"/staff/volunteers/{person.id}?lang=en").get_data(as_text=True)
    assert "Mail for volunteers" in review and "agreed" in review
    mine.post("/me/profile", data={"nickname": person.nickname})
    db.session.expire_all()
    assert db.session.get(Volunteer, person.id).mail_consent is False


def test_erasing_blanks_the_address_on_contact_rows(app, make_user):
    group, people = _group_with_people()
    organiser = make_user(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "小组通知"}, body={"zh_Hans": "周六见"},
                                                     segment=f"volunteer-group:{group.id}"), organiser)
    services.start_send(issue.id, organiser)
    from campaign.newsletter import personal_data

    assert personal_data.erase_personal_data("agreed@example.net") == 1
    db.session.commit()
    rows = db.session.scalars(select(OutboxRow).where(OutboxRow.issue_id == issue.id)).all()
    assert "agreed@example.net" not in {r.email for r in rows}
    assert [r.status for r in rows if r.email == "erased@invalid"] == ["skipped"]
