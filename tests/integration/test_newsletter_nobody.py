"""An issue is never "sent" to nobody: sending, scheduling and a scheduled start all refuse an
empty audience, with a message the organiser can act on."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from campaign import worker
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import services
from campaign.newsletter.models import Issue, OutboxRow, Subscriber
from campaign.timeutil import utcnow
from tests.integration.newsletter_helpers import add_subscribers


def test_send_to_an_empty_audience_is_refused_with_a_message(login_as, app):
    organiser = login_as(Role.ORGANISER)
    response = organiser.post("/staff/newsletter/issues/new?lang=en", data={"subject-zh_Hans": "Update",
        "body-zh_Hans": "Hello"})
    issue_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = organiser.post(f"/staff/newsletter/issues/{issue_id}/send?lang=en", data={}, follow_redirects=True)
    assert "Nobody would receive this issue" in page.get_data(as_text=True)
    issue = db.session.get(Issue, issue_id)
    assert issue is not None and issue.status == "draft"
    assert db.session.scalar(select(func.count()).where(OutboxRow.issue_id == issue_id)) == 0
    listed = organiser.get("/staff/newsletter?status=sent").get_data(as_text=True)
    assert "Update" not in listed


def test_scheduling_for_nobody_is_refused(app, make_user):
    organiser = make_user(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "定时"}, body={"zh_Hans": "正文"}), organiser)
    try:
        services.schedule(issue.id, utcnow() + timedelta(hours=1), organiser)
    except services.NewsletterError as exc:
        assert "Nobody would receive" in str(exc)
    else:
        raise AssertionError("scheduled an issue for nobody")
    assert db.session.get(Issue, issue.id).status == "draft"


def test_scheduled_issue_whose_audience_emptied_goes_back_to_draft(app, make_user):
    add_subscribers(2)
    organiser = make_user(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "定时"}, body={"zh_Hans": "正文"}), organiser)
    services.schedule(issue.id, utcnow() + timedelta(hours=1), organiser)
    for subscriber in db.session.scalars(select(Subscriber)):
        subscriber.status = "unsubscribed"
    stored = db.session.get(Issue, issue.id)
    assert stored is not None
    stored.scheduled_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    worker.run_once(app, {"newsletter.schedule"})
    db.session.expire_all()
    stored = db.session.get(Issue, issue.id)
    assert stored is not None and stored.status == "draft" and stored.scheduled_at is None
    assert db.session.scalar(select(func.count()).where(OutboxRow.issue_id == issue.id)) == 0
