"""The takedown tracker: caseworkers record reports; the public sees only aggregates."""
from sqlalchemy import select

from campaign.audit.models import AuditEvent
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.intake.models import HelpRequest
from campaign.intake.takedowns.models import Takedown
from tests.integration.intake_fixtures import caseworker_client, intake_key, submit_help  # noqa: F401


def _report(client, url="/takedowns/new", **fields):
    data = {"platform": "telegram", "content_type": "hidden_camera", "target": "https://t.me/standalone-chan",
            "reported_on": "2026-03-01", "reference": "TG-1", "response": "none", "notes": "", **fields}
    return client.post(url, data=data)


def test_reports_feed_the_public_aggregates_without_details(app, client, caseworker_client):
    """/monitoring shows per-platform figures and never a channel, URL or reference."""
    worker = caseworker_client(unlocked=False)
    assert _report(worker).status_code == 302
    assert _report(worker, target="https://t.me/other", removed_on="2026-03-05", reference="TG-2").status_code == 302
    assert (
        _report(worker, platform="weibo", target="weibo.com/u/1", response="refused", reference="WB-9").status_code
        == 302
    )
    page = client.get("/monitoring?lang=en")
    assert page.status_code == 200
    assert "Telegram" in page.text and "Weibo" in page.text and "50%" in page.text
    for secret in ("t.me", "weibo.com", "TG-1", "WB-9"):
        assert secret not in page.text
    assert "/monitoring" in client.get("/").text


def test_standalone_reports_are_clear_and_case_reports_sealed(app, client, caseworker_client):
    """A report filed for a case keeps its channel and notes encrypted; a standalone one does not."""
    submit_help(client)
    req = db.session.scalars(select(HelpRequest)).one()
    locked = caseworker_client(unlocked=False)
    assert _report(locked).status_code == 302
    assert (
        _report(
            locked, url=f"/takedowns/new?case={req.id}", target="https://t.me/case-chan", notes="case note"
        ).status_code
        == 302
    )
    standalone, linked = db.session.scalars(select(Takedown).order_by(Takedown.id)).all()
    assert standalone.target == "https://t.me/standalone-chan" and standalone.details_box is None
    assert linked.target == "" and linked.notes == "" and linked.details_box is not None

    listing = locked.get("/takedowns").text
    assert "standalone-chan" in listing and "case-chan" not in listing
    # A locked caseworker updates the response; the sealed channel stays as it was.
    edit = _report(locked, url=f"/takedowns/{linked.id}", target="", notes="", removed_on="2026-03-03")
    assert edit.status_code == 302
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "takedown.decrypted")).all()
    unlocked = caseworker_client(unlocked=True)
    assert "case-chan" in unlocked.get("/takedowns").text
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "takedown.decrypted")).all()
    assert "case-chan" in unlocked.get(f"/takedowns/{linked.id}").text
    db.session.expire_all()
    assert db.session.get(Takedown, linked.id).response == "removed"


def test_bad_report_input_is_explained(app, caseworker_client):
    """A removal date before the report date is refused with a message; nothing is saved."""
    worker = caseworker_client(unlocked=False)
    response = _report(worker, url="/takedowns/new?lang=en", removed_on="2026-02-01")
    assert response.status_code == 200 and "cannot be before" in response.text
    assert db.session.scalars(select(Takedown)).all() == []


def test_organisers_see_only_the_public_page(app, login_as, intake_key):
    """The tracker with its channels and URLs is for caseworkers only."""
    organiser = login_as(Role.ORGANISER)
    assert organiser.get("/takedowns").status_code == 404
    assert organiser.get("/monitoring").status_code == 200


def test_tracker_before_any_key_says_what_to_do(app, login_as):
    """Before `flask intake keygen`, caseworkers get a page saying so, not a server error."""
    page = login_as(Role.CASEWORKER).get("/takedowns?lang=en")
    assert page.status_code == 503
    assert "flask intake keygen" in page.get_data(as_text=True)
