"""Deployed behind a reverse proxy over HTTPS: forwarded headers, CSRF, cookies, caching."""
from __future__ import annotations

import os

from campaign.access import public
from campaign.auth.models import Role
from campaign.extensions import db, limiter
from campaign.petitions.models import Signature
from tests.conftest import Client
from tests.integration.volunteer_factories import make_volunteer, volunteer_client
from tests.petitions_support import make_petition

SITE = "https://petition.example.org"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "petition.example.org"}


def _https_app(make_app, **overrides):
    # BASE_URL from the environment decides the HTTPS-only settings, as in production.
    os.environ["BASE_URL"] = SITE
    try:
        app = make_app(BASE_URL=SITE, PROXY_HOPS=1, **overrides)
    finally:
        del os.environ["BASE_URL"]
    app.test_client_class = Client
    return app


def _form(email):
    return {"name": "Ann Lee", "email": email, "display": "full", "region": "", "comment": ""}


def test_forms_work_over_https_with_the_sites_own_referrer(app, make_app, inbox):
    """Over HTTPS a browser's POST carries a same-origin Referer (Referrer-Policy: same-origin),
    which Flask-WTF's strict check accepts; one without a Referer or from another site is refused."""
    site = _https_app(make_app)
    with site.app_context():
        make_petition()
        client = site.test_client()
        page = client.get("/petitions/takedown", headers=FORWARDED)
        assert page.headers["Referrer-Policy"] == "same-origin"
        # A <meta name="referrer"> would override the header in the browser: it must agree.
        assert '<meta name="referrer" content="same-origin">' in page.text
        ok = client.post("/petitions/takedown/sign", data=_form("a@example.org"),
                         headers={**FORWARDED, "Referer": f"{SITE}/petitions/takedown"})
        assert ok.status_code == 303
        assert ok.headers["Location"].startswith("/petitions/takedown/thanks")
        missing = client.post("/petitions/takedown/sign", data=_form("b@example.org"), headers=FORWARDED)
        foreign = client.post("/petitions/takedown/sign", data=_form("c@example.org"),
                              headers={**FORWARDED, "Referer": "https://evil.example.net/"})
        assert (missing.status_code, foreign.status_code) == (400, 400)
        assert db.session.query(Signature).count() == 1


def test_forwarded_headers_count_only_with_proxy_hops(make_app, inbox):
    """With PROXY_HOPS=0 a visitor cannot claim HTTPS or another address by writing the headers."""
    app = make_app(BASE_URL="http://127.0.0.1:5000", PROXY_HOPS=0)
    seen = {}

    @app.get("/__probe")
    def probe() -> str:
        from flask import request

        seen.update(scheme=request.scheme, addr=request.remote_addr, host=request.host)
        return "ok"

    public(probe)
    client = app.test_client()
    client.get("/__probe", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
                                    "X-Forwarded-Host": "evil.example.net"})
    assert seen == {"scheme": "http", "addr": "127.0.0.1", "host": "localhost"}

    trusting = make_app(BASE_URL=SITE, PROXY_HOPS=1)
    trusting.add_url_rule("/__probe", view_func=probe)
    trusting.test_client().get("/__probe", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.1, 203.0.113.9",
        "X-Forwarded-Host": "petition.example.org"})
    # One hop trusted: the last address the proxy appended, not what the visitor wrote before it.
    assert seen == {"scheme": "https", "addr": "203.0.113.9", "host": "petition.example.org"}


def test_sixty_visitors_behind_one_address_each_sign_within_a_minute(app, make_app, inbox):
    """Tor, a stall's Wi-Fi or a carrier's NAT: 60 people from one address all get their signature in."""
    site = _https_app(make_app)
    with site.app_context():
        make_petition()
        limiter.reset()
        codes = []
        for n in range(60):
            visitor = site.test_client()
            codes.append(visitor.post("/petitions/takedown/sign", data=_form(f"v{n}@example.org"), headers={
                **FORWARDED, "Referer": f"{SITE}/petitions/takedown", "X-Forwarded-For": "127.0.0.1"}).status_code)
        assert codes == [303] * 60
        assert db.session.query(Signature).count() == 60


def test_session_cookie_is_host_prefixed_under_https(app, make_app, inbox):
    """Under HTTPS the session cookie is `__Host-session`: Secure, Path=/, no Domain."""
    site = _https_app(make_app)
    with site.app_context():
        client = site.test_client()
        response = client.get("/login", headers=FORWARDED)
        cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("__Host-session="))
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in attributes and "path=/" in attributes
        assert not any(part.startswith("domain=") for part in attributes)


def test_private_pages_are_never_cached(app, client, login_as, inbox):
    """Staff pages, the volunteer space, help pages, mailed-link pages and /my-data downloads carry
    `Cache-Control: no-store`; a public petition page does not need it."""
    make_petition()
    staff = login_as(Role.ADMIN)
    assert staff.get("/staff").headers.get("Cache-Control") == "no-store"
    for path in ("/help", "/help/status", "/my-data/", "/volunteer", "/volunteer/signin", "/subscribe",
                 "/login", "/petition-confirm/not-a-token", "/my-data/not-a-token"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    # Signed-out visitors sent to the sign-in page from a staff page get no-store as well.
    assert client.get("/staff").headers.get("Cache-Control") == "no-store"
    assert "no-store" not in client.get("/petitions/takedown").headers.get("Cache-Control", "")


def test_volunteer_space_is_never_cached(app, inbox):
    """The volunteer's own space (its own access kind) is no-store like staff pages."""
    client = volunteer_client(app, make_volunteer())
    response = client.get("/me")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"
