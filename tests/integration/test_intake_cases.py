"""The caseworkers' side: unlocking, audit, follow-up, key rotation and retention."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign.audit.models import AuditEvent
from campaign.auth.models import Role, User
from campaign.extensions import db
from campaign.intake import crypto
from campaign.intake import services as intake
from campaign.intake.models import CaseNote, HelpRequest, IntakeKey
from campaign.intake.takedowns import services as tracker
from campaign.intake.unlock import store_for
from campaign.timeutil import org_today, utcnow
from campaign.worker import run_once
from tests.integration.intake_fixtures import (  # noqa: F401
    PASSPHRASE,
    caseworker_client,
    intake_key,
    submit_help,
)


def _actions(target_id):
    return [e.action for e in db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == "help_request", AuditEvent.target_id == str(target_id))
        .order_by(AuditEvent.id)
    )]


def _one_request(client):
    submit_help(client, where="t.me/secret-place", name="小林")
    return db.session.scalars(select(HelpRequest)).one()


def test_every_view_and_decryption_is_logged(client, caseworker_client):
    """Opening a case is logged; reading its decrypted content is logged separately."""
    req = _one_request(client)
    locked = caseworker_client(unlocked=False)
    page = locked.get(f"/cases/{req.id}")
    assert page.status_code == 200 and "t.me/secret-place" not in page.text
    assert _actions(req.id) == ["intake.case_viewed"]
    unlocked = caseworker_client(unlocked=True)
    page = unlocked.get(f"/cases/{req.id}")
    assert "t.me/secret-place" in page.text and "小林" in page.text
    assert _actions(req.id) == ["intake.case_viewed", "intake.case_viewed", "intake.decrypted"]
    detail = " ".join(e.detail for e in db.session.scalars(select(AuditEvent)))
    assert "secret-place" not in detail and "小林" not in detail


def test_signing_out_drops_the_unlocked_key(app, client, caseworker_client):
    """After sign-out the key is gone from server memory; signing in again finds it locked."""
    req = _one_request(client)
    worker = caseworker_client(unlocked=True)
    store = store_for(app)
    assert len(store) == 1
    with worker.session_transaction() as sess:
        handle = sess["intake_unlock"]
        user_ident = sess["_user_id"]
    assert worker.post("/logout", data={}).status_code == 302
    assert len(store) == 0
    with worker.session_transaction() as sess:
        assert "intake_unlock" not in sess
        sess["_user_id"] = user_ident
        sess["intake_unlock"] = handle  # a replayed cookie does not bring the key back
    assert "t.me/secret-place" not in worker.get(f"/cases/{req.id}").text


def test_idle_unlock_expires_and_lock_button_works(app, client, caseworker_client):
    """An unlocked key is dropped after INTAKE_UNLOCK_MINUTES idle, or at once with Lock."""
    req = _one_request(client)
    worker = caseworker_client(unlocked=True)
    assert "t.me/secret-place" in worker.get(f"/cases/{req.id}").text
    worker.post("/cases/lock", data={})
    assert "t.me/secret-place" not in worker.get(f"/cases/{req.id}").text
    worker = caseworker_client(unlocked=True)
    app.config["INTAKE_UNLOCK_MINUTES"] = 0
    assert "t.me/secret-place" not in worker.get(f"/cases/{req.id}").text
    assert len(store_for(app)) == 0


def test_unlock_is_per_caseworker(app, client, caseworker_client):
    """One caseworker's unlock handle does not unlock another caseworker's session."""
    req = _one_request(client)
    first = caseworker_client(unlocked=True)
    second = caseworker_client(unlocked=False)
    with first.session_transaction() as sess:
        handle = sess["intake_unlock"]
    with second.session_transaction() as sess:
        sess["intake_unlock"] = handle
    assert "t.me/secret-place" not in second.get(f"/cases/{req.id}").text


def test_follow_up_status_assignment_tags_reminder(app, client, caseworker_client, make_user):
    """Caseworkers move a case through the queue, assign it, tag it and see its reminder."""
    req = _one_request(client)
    worker = caseworker_client(unlocked=False)
    colleague = make_user(Role.CASEWORKER, email="colleague@example.org")
    organiser = make_user(Role.ORGANISER, email="org@example.org")
    due = utcnow().date() + timedelta(days=3)
    response = worker.post(
        f"/cases/{req.id}/update",
        data={
            "status": "triaged",
            "assignee": str(colleague.id),
            "tags": "Urgent, legal，urgent",
            "remind_on": due.isoformat(),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    req = db.session.get(HelpRequest, req.id)
    assert (req.status, req.assignee_id, req.tags, req.remind_on) == ("triaged", colleague.id, "urgent,legal", due)
    queue = worker.get("/cases?lang=en").text
    assert due.isoformat() in queue and "urgent, legal" in queue

    refused = worker.post(f"/cases/{req.id}/update?lang=en", data={"status": "triaged", "assignee": str(organiser.id)})
    assert refused.status_code == 400
    worker.post(f"/cases/{req.id}/update", data={"status": "closed", "assignee": ""})
    db.session.expire_all()
    assert db.session.get(HelpRequest, req.id).closed_on == org_today()  # the organisation's day (ORG_TIMEZONE)
    assert "intake.case_updated" in _actions(req.id)


def test_rotation_keeps_everything_readable(app, client, caseworker_client, tmp_path):
    """After `flask intake rotate` every answer, message, note and report opens with the new passphrase only."""
    code = submit_help(client, where="t.me/before-rotation")
    req = db.session.scalars(select(HelpRequest)).one()
    worker = caseworker_client(unlocked=True)
    worker.post(f"/cases/{req.id}/note", data={"text": "note before rotation"})
    worker.post(f"/cases/{req.id}/message", data={"text": "reply before rotation"})
    client.post("/help/status/reply", data={"code": code, "text": "survivor before rotation"})
    tracker.create(
        intake.keyring(), tracker.Entry("telegram", "partner", "t.me/report-target", req.received_week), None, req.id
    )

    old_file, new_file = tmp_path / "old", tmp_path / "new"
    old_file.write_text(PASSPHRASE + "\n")
    new_file.write_text("a brand new passphrase for 2027\n")
    result = app.test_cli_runner().invoke(
        args=["intake", "rotate", "--old-passphrase-file", str(old_file), "--new-passphrase-file", str(new_file)]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert [k.version for k in db.session.scalars(select(IntakeKey))] == [2]

    # The session unlocked with the old key is locked now.
    assert "t.me/before-rotation" not in worker.get(f"/cases/{req.id}").text
    assert worker.post("/cases/unlock", data={"passphrase": PASSPHRASE}).status_code == 401
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "intake.unlock_failed")).all()
    assert len(failed) == 1 and PASSPHRASE not in failed[0].detail
    assert worker.post("/cases/unlock", data={"passphrase": "a brand new passphrase for 2027"}).status_code == 302
    page = worker.get(f"/cases/{req.id}").text
    for text in (
        "t.me/before-rotation",
        "note before rotation",
        "reply before rotation",
        "survivor before rotation",
        "t.me/report-target",
    ):
        assert text in page, text
    # The survivor's code is untouched by rotation.
    assert "reply before rotation" in client.post("/help/status", data={"code": code}).text


def test_demo_key_is_flagged_until_rotated(app, login_as):
    """A key made by the demo seeder (published passphrase) is announced to caseworkers until rotated."""
    import random

    from campaign.intake.demo import DEMO_PASSPHRASE, seed_intake

    seed_intake(random.Random(1))
    worker = login_as(Role.CASEWORKER)
    assert "flask intake rotate" in worker.get("/cases?lang=en").text
    intake.rotate(DEMO_PASSPHRASE, "our own long passphrase here")
    assert "flask intake rotate" not in worker.get("/cases?lang=en").text
    assert len(intake.queue()) == 15


def test_nothing_is_sealed_to_a_retired_key(app, client, caseworker_client):
    """A write that started before a rotation is refused rather than sealed to the deleted key."""
    req = _one_request(client)
    caseworker_client(unlocked=False)
    old_ring = intake.keyring()
    intake.rotate(PASSPHRASE, "the next passphrase, long enough")
    author = db.session.scalars(select(User)).first()
    with pytest.raises(intake.KeyRotated):
        intake.add_note(old_ring, req, author, "late note", utcnow().date())
    db.session.rollback()
    assert db.session.scalars(select(CaseNote)).all() == []


def test_keygen_asks_twice_and_refuses_a_second_key(app):
    """keygen prompts for the passphrase twice, stores only the wrapped key, and never overwrites one."""
    runner = app.test_cli_runner()
    passphrase = "typed twice at the prompt"
    result = runner.invoke(args=["intake", "keygen"], input=f"{passphrase}\n{passphrase}\n")
    assert result.exit_code == 0, result.output
    key = db.session.scalars(select(IntakeKey)).one()
    assert passphrase.encode() not in key.wrapped_private + key.salt + key.public_key
    assert intake.unlock(passphrase).unlocked
    again = runner.invoke(args=["intake", "keygen"], input=f"{passphrase}\n{passphrase}\n")
    assert again.exit_code != 0 and "exists already" in again.output
    weak = runner.invoke(args=["intake", "rotate"], input=f"{passphrase}\nshort\nshort\n")
    assert weak.exit_code != 0 and f"at least {crypto.MIN_PASSPHRASE}" in weak.output


def test_retention_job_deletes_old_closed_cases(app, client, caseworker_client):
    """Closed cases go after INTAKE_RETENTION_DAYS; open and recently closed ones stay."""
    for _ in range(3):
        submit_help(client)
    old, recent, still_open = db.session.scalars(select(HelpRequest).order_by(HelpRequest.id)).all()
    worker = caseworker_client(unlocked=False)
    worker.post(f"/cases/{old.id}/note", data={"text": "goes with the case"})
    today = org_today()
    old.status, old.closed_on = "closed", today - timedelta(days=181)
    recent.status, recent.closed_on = "closed", today - timedelta(days=179)
    db.session.commit()
    assert app.config["INTAKE_RETENTION_DAYS"] == 180
    assert run_once(app, {"intake.retention"}) == 1
    remaining = {r.id for r in db.session.scalars(select(HelpRequest))}
    assert remaining == {recent.id, still_open.id}
    assert db.session.scalars(select(CaseNote)).all() == []
