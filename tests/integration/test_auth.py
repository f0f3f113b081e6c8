"""Staff sign-in, second factor, throttling, invitations and revocation."""
from __future__ import annotations

import re
import time

import pyotp
from flask import Flask

from campaign.auth import services as auth
from campaign.auth.models import Role, User
from campaign.extensions import db
from tests.conftest import Client, Inbox, sign_in

PASSWORD = "correct horse battery"


def _client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


def _login(client, email: str, password: str = PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def test_organiser_signs_in_with_password_and_out_again(app, client, make_user):
    """An organiser (no second factor required) signs in, reaches staff pages, and signs out."""
    user = make_user(Role.ORGANISER)
    response = _login(client, user.email)
    assert response.status_code == 302 and response.location.endswith("/staff")
    assert client.get("/staff").status_code == 200
    client.post("/logout", data={})
    assert client.get("/staff").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make_user):
    """A wrong password is refused in the visitor's language without saying which part was wrong."""
    user = make_user(Role.ORGANISER)
    response = _login(client, user.email, "wrong password!!", query_string={"lang": "en"})
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    response = _login(client, "nobody@example.org", query_string={"lang": "zh"})
    assert response.status_code == 401
    assert "不匹配" in response.get_data(as_text=True)


def test_failed_logins_are_throttled_per_account_and_visitor_with_a_retry_time(app, client, make_user):
    """Repeated failures for one account from one visitor are stopped and the page says when to
    retry; the same visitor trying the right password is stopped too (no guessing around it)."""
    user = make_user(Role.ORGANISER)
    for _ in range(10):
        assert _login(client, user.email, "wrong password!!").status_code == 401
    blocked = _login(client, user.email, query_string={"lang": "en"})
    assert blocked.status_code == 429
    assert re.search(r"try again after", blocked.get_data(as_text=True))


def test_a_stranger_cannot_lock_the_owner_out(app, client, make_user):
    """Twelve wrong passwords from a stranger do not stop the owner signing in from elsewhere
    (finding: a stranger could lock any staff account)."""
    user = make_user(Role.ORGANISER)
    for _ in range(12):
        answer = _login(client, user.email, "wrong password!!", environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert answer.status_code in (401, 429)
    assert _login(client, user.email, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 429
    owner = _client(app)
    assert _login(owner, user.email, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 302


def test_failures_behind_a_shared_address_do_not_block_other_accounts(app, make_user):
    """A stranger failing behind a shared address (an office, a VPN exit, Tor) neither blocks
    another account's sign-in from that address nor, once the per-visitor limit is reached, an
    owner signing in from a browser they used before (finding: one visitor blocked everyone)."""
    shared = {"REMOTE_ADDR": "192.0.2.1"}
    target, other, regular = make_user(Role.ORGANISER), make_user(Role.ORGANISER), make_user(Role.ORGANISER)
    owner_browser = _client(app)
    assert _login(owner_browser, regular.email, environ_base=shared).status_code == 302
    owner_browser.post("/logout", data={}, environ_base=shared)
    stranger = _client(app)
    for _ in range(12):
        _login(stranger, target.email, "wrong password!!", environ_base=shared)
    assert _login(_client(app), other.email, environ_base=shared).status_code == 302
    # The stranger sprays many accounts until the per-visitor limit stops them...
    for n in range(60):
        _login(stranger, f"guess{n}@example.org", "wrong password!!", environ_base=shared)
    assert _login(stranger, other.email, environ_base=shared).status_code == 429
    # ...while the owner's known browser still signs in from the same address.
    assert _login(owner_browser, regular.email, environ_base=shared).status_code == 302


def test_successful_logins_are_not_throttled(client, make_user):
    """Only failures count: an organiser signing in and out many times is never blocked."""
    user = make_user(Role.ORGANISER)
    for _ in range(12):
        assert _login(client, user.email).status_code == 302
        client.post("/logout", data={})


def test_admin_must_enrol_a_second_factor_then_use_it(app, client, make_user):
    """An admin cannot sign in with a password alone: they enrol an app, get recovery codes,
    and later need a code; a recovery code works once."""
    admin = make_user(Role.ADMIN)
    response = _login(client, admin.email)
    assert "/login/enrol" in response.location
    assert client.get("/staff").status_code == 302  # not signed in yet
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "<svg" in page  # the QR code is drawn here, not fetched from another host
    assert client.post("/login/enrol", data={"code": "000000"}).status_code in (401, 200)
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/admin/users").status_code == 200
    client.post("/logout", data={})

    response = _login(client, admin.email)
    assert "/login/verify" in response.location
    assert client.post("/login/verify", data={"code": "123456"}).status_code == 401
    assert client.post("/login/verify", data={"code": codes[0]}).status_code == 302
    client.post("/logout", data={})
    _login(client, admin.email)
    assert client.post("/login/verify", data={"code": codes[0]}).status_code == 401  # used up
    # The code typed to enrol is spent; the next one (accepted up to one step early) signs in.
    assert client.post("/login/verify", data={"code": pyotp.TOTP(secret).at(time.time() + 30)}).status_code == 302


def test_revoking_ends_sessions_at_once(app, make_user):
    """When an admin revokes someone, their open session stops working on the next request."""
    organiser = make_user(Role.ORGANISER)
    admin = make_user(Role.ADMIN)
    theirs = sign_in(_client(app), organiser)
    assert theirs.get("/staff").status_code == 200
    mine = sign_in(_client(app), admin)
    mine.post(f"/admin/users/{organiser.id}/disable", data={"confirmed": "y"})
    assert theirs.get("/staff").status_code == 302
    assert _login(_client(app), organiser.email).status_code == 401


def test_invitation_link_sets_a_password_once(app, client, make_user, inbox: Inbox):
    """An invited person sets a password through the mailed link; the link then stops working,
    and a revoked invitation's link never works."""
    admin = sign_in(client, make_user(Role.ADMIN))
    response = admin.post("/admin/users/invite", data={"email": "New.Person@Example.org", "roles": ["caseworker"]})
    assert response.status_code == 302
    mail = inbox.last_to("new.person@example.org")
    assert mail.is_multipart()
    link = next(u for u in Inbox.links(mail) if "/invite/" in u)
    path = link.split("5000", 1)[1]
    visitor = _client(app)
    assert visitor.get(path).status_code == 200
    new_password = "a long new passphrase"
    assert visitor.post(path, data={"password": new_password, "confirm": new_password}).status_code == 302
    assert visitor.get(path).status_code == 400  # used once
    user = db.session.scalar(db.select(User).where(User.email == "new.person@example.org"))
    assert user.password_hash and user.roles == {Role.CASEWORKER}

    admin.post("/admin/users/invite", data={"email": "second@example.org", "roles": ["organiser"]})
    link2 = next(u for u in Inbox.links(inbox.last_to("second@example.org")) if "/invite/" in u)
    second = auth.find_user("second@example.org")
    admin.post(f"/admin/users/{second.id}/disable", data={"confirmed": "y"})
    assert visitor.get(link2.split("5000", 1)[1]).status_code == 400


def test_tampered_invitation_is_refused(client):
    """A forged or altered link shows a clear page and changes nothing."""
    response = client.get("/invite/not-a-real-token", query_string={"lang": "en"})
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_session_cookie_is_protected(app, client, make_user):
    """The session cookie is HttpOnly and SameSite=Lax, and expires after inactivity."""
    user = make_user(Role.ORGANISER)
    response = _login(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 30 * 60


def test_secure_cookies_and_hsts_behind_https(make_app):
    """Served under an https BASE_URL, cookies are Secure and HSTS is sent."""
    import os

    os.environ["BASE_URL"] = "https://campaign.example.org"
    try:
        app = make_app()
    finally:
        del os.environ["BASE_URL"]
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_next_parameter_cannot_redirect_elsewhere(client, make_user):
    """After sign-in, `next` only leads to a page of this site."""
    user = make_user(Role.ORGANISER)
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        response = _login(client, user.email, query_string={"next": hostile})
        assert response.location.endswith("/staff"), hostile
        client.post("/logout", data={})
    response = _login(client, user.email, query_string={"next": "/account"})
    assert response.location.endswith("/account")


def test_admins_without_caseworker_role_see_no_help_desk_audit_entries(app, make_user):
    """The audit log does not reveal to a plain admin that a help request exists."""
    from campaign.audit import services as audit_log

    caseworker = make_user(Role.CASEWORKER)
    audit_log.record(caseworker, "intake.case_viewed", "help_request", 7)
    audit_log.record(caseworker, "user.login", "user", caseworker.id)
    db.session.commit()
    admin = sign_in(_client(app), make_user(Role.ADMIN))
    page = admin.get("/admin/audit?lang=en").get_data(as_text=True)
    # Actions are shown by their labels ("Signed in" for user.login).
    assert "Signed in" in page and "Help request viewed" not in page and "intake.case_viewed" not in page
    both = sign_in(_client(app), make_user(Role.ADMIN, Role.CASEWORKER))
    assert "Help request viewed" in both.get("/admin/audit?lang=en").get_data(as_text=True)
