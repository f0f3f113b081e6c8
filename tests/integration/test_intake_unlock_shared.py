"""One unlock serves every process and host; no copy of the server alone can open a case."""
from __future__ import annotations

import base64
import json
import zlib

from sqlalchemy import select

from campaign.auth.models import User
from campaign.extensions import db
from campaign.intake import services as intake
from campaign.intake.models import HelpRequest, Unlock
from tests.conftest import Client
from tests.integration.intake_fixtures import (  # noqa: F401, F811
    PASSPHRASE,
    caseworker_client,
    intake_key,
    submit_help,
)

SECRET = "t.me/secret-place"


def _case(client) -> HelpRequest:
    submit_help(client, where=SECRET, name="小林")
    return db.session.scalars(select(HelpRequest)).one()


def _same_browser_on(app, client):
    """The caseworker's browser (its cookies) talking to another process or host."""
    app.test_client_class = Client
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie("session", cookie.value)
    return other


def test_one_unlock_reads_cases_on_every_process_and_host(app, make_app, client, caseworker_client):
    """Unlocked on one app (process/host), the caseworker reads the case on two others."""
    req = _case(client)
    worker = caseworker_client(unlocked=True)
    for other_app in (make_app(), make_app()):
        with other_app.app_context():
            page = _same_browser_on(other_app, worker).get(f"/cases/{req.id}")
            assert page.status_code == 200 and SECRET in page.text


def test_lock_on_one_host_locks_everywhere(app, make_app, client, caseworker_client):
    """Lock pressed on one host leaves nothing for another host to open."""
    req = _case(client)
    worker = caseworker_client(unlocked=True)
    other_app = make_app()
    with other_app.app_context():
        other = _same_browser_on(other_app, worker)
        assert other.post("/cases/lock", data={}).status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(Unlock)) == 0
    assert SECRET not in worker.get(f"/cases/{req.id}").text


def test_a_copy_of_database_and_instance_folder_holds_no_key(app, client, caseworker_client):
    """The table holds the key only sealed; the session cookie holds the secret only encrypted."""
    _case(client)
    worker = caseworker_client(unlocked=True)
    ring = intake.unlock(PASSPHRASE)
    raw_key = bytes(ring.private_key())
    row = db.session.scalars(select(Unlock)).one()
    assert raw_key not in row.sealed_key and row.sealed_key != raw_key
    payload = worker.get_cookie("session").value
    data = payload.split(".")[0] if not payload.startswith(".") else payload.split(".")[1]
    decoded = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    session = json.loads(zlib.decompress(decoded) if payload.startswith(".") else decoded)
    value = session["intake_unlock"]
    # Neither the row's name nor the key is readable in the cookie: 24-byte nonce + 32-byte secret + 16-byte tag.
    assert row.row_id not in value and raw_key.hex() not in value
    assert len(bytes.fromhex(value)) == 24 + 32 + 16


def test_revocation_destroys_the_unlock(app, client, caseworker_client):
    """A changed session version (password change, revocation) ends the unlock, even when the
    caseworker signs in again and replays the old cookie value."""
    req = _case(client)
    worker = caseworker_client(unlocked=True)
    with worker.session_transaction() as sess:
        value = sess["intake_unlock"]
        user_id = int(sess["_user_id"].split(":")[0])
    user = db.session.get(User, user_id)
    user.session_version += 1
    db.session.commit()
    with worker.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["intake_unlock"] = value
    assert SECRET not in worker.get(f"/cases/{req.id}").text
    assert db.session.scalar(select(db.func.count()).select_from(Unlock)) == 0


def test_stale_unlocks_are_swept_by_the_worker(app, client, caseworker_client):
    """A caseworker who walks away: the worker deletes the sealed key after the idle time."""
    from campaign.worker import run_once

    _case(client)
    caseworker_client(unlocked=True)
    assert db.session.scalar(select(db.func.count()).select_from(Unlock)) == 1
    app.config["INTAKE_UNLOCK_MINUTES"] = 0
    run_once(app, {"intake.unlock_sweep"})
    assert db.session.scalar(select(db.func.count()).select_from(Unlock)) == 0


def test_revoked_caseworkers_unlock_is_swept_even_if_they_never_return(app, client, caseworker_client):
    """Revoking an account (its session version changes) lets the worker delete its sealed key
    without waiting for the idle time."""
    from campaign.auth import services as auth
    from campaign.worker import run_once

    _case(client)
    caseworker_client(unlocked=True)
    row = db.session.scalars(select(Unlock)).one()
    auth.revoke(db.session.get(User, row.user_id))
    db.session.commit()
    run_once(app, {"intake.unlock_sweep"})
    assert db.session.scalar(select(db.func.count()).select_from(Unlock)) == 0
