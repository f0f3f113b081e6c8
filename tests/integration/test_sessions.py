"""Server-side sessions: a cookie copied before sign-out, lock, revocation or idle expiry is refused
afterwards, in every process; the second factor's codes work once; the enrolment secret stays on
the server."""
from __future__ import annotations

import base64
import json
import time
import zlib
from datetime import timedelta
from typing import Any

import pyotp
from flask import Flask
from sqlalchemy import update

from campaign import sessions
from campaign.auth import services as auth
from campaign.auth.models import Role, User
from campaign.extensions import db
from campaign.volunteers import services as volunteers
from tests.conftest import Client
from tests.integration.volunteer_factories import make_volunteer

PASSWORD = "correct horse battery"


def _client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


def _cookie(client: Client) -> str:
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def _replay(app: Flask, cookie: str) -> Client:
    """A thief's browser: a new client carrying a copy of someone's session cookie."""
    thief = _client(app)
    thief.set_cookie("session", cookie)
    return thief


def _staff_signed_in(app: Flask, user: User) -> Client:
    client = _client(app)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/staff")
    return client


def _volunteer_signed_in(app: Flask, person: Any) -> Client:
    from campaign import tokens

    client = _client(app)
    token = tokens.make(volunteers.SIGNIN_PURPOSE, person.id, volunteers._signin_state(person))
    assert client.post(f"/volunteer/signin/{token}", data={}).status_code == 302
    return client


def _cookie_payload(cookie: str) -> str:
    """What anyone holding the cookie can read: Flask signs its session cookie, it does not encrypt it."""
    body = cookie.split(".")[1] if cookie.startswith(".") else cookie.split(".")[0]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return zlib.decompress(raw).decode() if cookie.startswith(".") else raw.decode()


def test_copied_staff_cookie_is_refused_after_sign_out(app, make_user):
    """A staff cookie copied before sign-out no longer opens /staff afterwards."""
    user = make_user(Role.ORGANISER)
    owner = _staff_signed_in(app, user)
    copied = _cookie(owner)
    assert _replay(app, copied).get("/staff").status_code == 200  # the copy works while signed in
    assert owner.post("/logout", data={}).status_code == 302
    assert _replay(app, copied).get("/staff").status_code == 302
    assert owner.get("/staff").status_code == 302


def test_copied_volunteer_cookie_is_refused_after_sign_out(app):
    """A volunteer cookie copied before sign-out no longer opens /me afterwards."""
    person = make_volunteer()
    owner = _volunteer_signed_in(app, person)
    copied = _cookie(owner)
    assert _replay(app, copied).get("/me").status_code == 200
    assert owner.post("/me/signout", data={}).status_code == 302
    assert _replay(app, copied).get("/me").status_code == 302
    assert _replay(app, copied).get("/me/profile").status_code == 302


def test_sign_out_in_one_process_ends_the_session_in_another(app, make_app, make_user):
    """Two app objects on one database stand for two worker processes: signing out through one
    refuses the copied cookie in the other, for staff and volunteers."""
    other_process = make_app()
    user = make_user(Role.ORGANISER)
    owner = _staff_signed_in(app, user)
    copied = _cookie(owner)
    assert _replay(other_process, copied).get("/staff").status_code == 200
    owner.post("/logout", data={})
    assert _replay(other_process, copied).get("/staff").status_code == 302

    person = make_volunteer()
    volunteer = _volunteer_signed_in(app, person)
    copied = _cookie(volunteer)
    assert _replay(other_process, copied).get("/me").status_code == 200
    volunteer.post("/me/signout", data={})
    assert _replay(other_process, copied).get("/me").status_code == 302


def test_revocation_and_lock_end_copied_sessions(app, make_user):
    """Disabling an account (lock) or revoking its sessions refuses every copy of its cookie, and
    blocking a volunteer refuses theirs."""
    user = make_user(Role.ORGANISER)
    copied = _cookie(_staff_signed_in(app, user))
    auth.revoke(user, disable=False)
    assert _replay(app, copied).get("/staff").status_code == 302
    copied = _cookie(_staff_signed_in(app, user))
    auth.revoke(user, disable=True)
    assert _replay(app, copied).get("/staff").status_code == 302

    person = make_volunteer()
    copied = _cookie(_volunteer_signed_in(app, person))
    volunteers.set_status(make_user(Role.ADMIN), person, volunteers.Status.BLOCKED)
    assert _replay(app, copied).get("/me").status_code == 302


def test_idle_sessions_end(app, make_user):
    """A session unused for SESSION_IDLE_MINUTES is refused even with a cookie that has not
    expired in the browser, and its end is announced."""
    ended: list[dict[str, Any]] = []

    def listen(sender: Flask, **info: Any) -> None:
        ended.append(info)

    sessions.session_ended.connect(listen)
    try:
        user = make_user(Role.ORGANISER)
        owner = _staff_signed_in(app, user)
        assert owner.get("/staff").status_code == 200
        past = sessions.utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
        db.session.execute(update(sessions.LoginSession).values(last_seen_at=past))
        db.session.commit()
        assert owner.get("/staff").status_code == 302
    finally:
        sessions.session_ended.disconnect(listen)
    assert [(e["kind"], e["subject_id"], e["reason"]) for e in ended] == [("staff", user.id, "idle")]


def test_sign_out_and_revocation_send_the_session_ended_signal(app, make_user):
    """Anything held for a session (the help-desk key) can listen to `session_ended`."""
    ended: list[tuple[str, int, str]] = []

    def listen(sender: Flask, **info: Any) -> None:
        ended.append((info["kind"], info["subject_id"], info["reason"]))

    sessions.session_ended.connect(listen)
    try:
        user = make_user(Role.ORGANISER)
        _staff_signed_in(app, user).post("/logout", data={})
        _staff_signed_in(app, user)
        _staff_signed_in(app, user)
        auth.revoke(user, disable=False)
        person = make_volunteer()
        _volunteer_signed_in(app, person).post("/me/signout", data={})
    finally:
        sessions.session_ended.disconnect(listen)
    assert ended == [("staff", user.id, "signout"), ("staff", user.id, "revoked"),
                     ("staff", user.id, "revoked"), ("volunteer", person.id, "signout")]


def test_a_totp_code_signs_in_once(app, make_user):
    """The same second-factor code cannot be used twice, even from another browser."""
    user = make_user(Role.ADMIN, totp=True)
    code = pyotp.TOTP(user.totp_secret).now()
    first = _client(app)
    first.post("/login", data={"email": user.email, "password": PASSWORD})
    assert first.post("/login/verify", data={"code": code}).status_code == 302
    second = _client(app)
    second.post("/login", data={"email": user.email, "password": PASSWORD})
    assert second.post("/login/verify", data={"code": code}).status_code == 401
    # An older code (one step back, still inside the accepted window) is refused as well.
    older = pyotp.TOTP(user.totp_secret).at(time.time() - 30)
    assert second.post("/login/verify", data={"code": older}).status_code == 401
    newer = pyotp.TOTP(user.totp_secret).at(time.time() + 30)
    assert second.post("/login/verify", data={"code": newer}).status_code == 302


def test_enrolment_secret_is_not_in_the_cookie(app, make_user):
    """The second-factor secret being set up stays on the server: the readable cookie lacks it."""
    user = make_user(Role.ADMIN)
    client = _client(app)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    page = client.get("/login/enrol").get_data(as_text=True)
    import re

    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
    payload = _cookie_payload(_cookie(client))
    assert json.loads(payload)  # the cookie was read
    assert secret not in payload
    assert client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert secret not in _cookie_payload(_cookie(client))


def test_ended_sessions_are_forgotten_by_the_worker(app, make_user):
    """A day after a session ended its row is deleted; open sessions stay."""
    from campaign.worker import run_once

    user = make_user(Role.ORGANISER)
    _staff_signed_in(app, user).post("/logout", data={})
    kept = _staff_signed_in(app, user)
    db.session.execute(update(sessions.LoginSession).where(sessions.LoginSession.ended_at.isnot(None))
                       .values(ended_at=sessions.utcnow() - timedelta(days=2)))
    db.session.commit()
    run_once(app, {"auth.sessions_purge"})
    rows = list(db.session.scalars(sessions.select(sessions.LoginSession)))
    assert [r.ended_at for r in rows] == [None]
    assert kept.get("/staff").status_code == 200


def test_staff_opening_a_volunteer_page_stays_signed_in(login_as):
    """A staff member who follows a link into the volunteer space is sent to its sign-in, and
    keeps their own staff session."""
    staff = login_as(Role.ORGANISER)
    assert staff.get("/me").status_code == 302
    assert staff.get("/staff").status_code == 200
