"""Pages in two languages, security headers, error pages, limits and the health check."""
from __future__ import annotations

import re

from flask import Flask


def test_language_from_query_then_cookie_then_browser(client):
    """?lang= wins and is remembered; otherwise Accept-Language; otherwise Chinese."""
    assert 'lang="zh-Hans"' in client.get("/").get_data(as_text=True)
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="zh-Hans"' in client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    client.get("/?lang=en")
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    client.get("/?lang=zh")
    assert "首页" in client.get("/").get_data(as_text=True)


def test_every_page_has_a_language_switcher(client):
    """The switcher links keep the current page."""
    page = client.get("/login?lang=zh").get_data(as_text=True)
    assert 'href="/login?lang=en"' in page


def test_security_headers_on_every_response(client):
    """CSP without inline script, no framing, no sniffing, no referrer to other sites (our own
    origin gets one: Flask-WTF's CSRF check needs it over HTTPS), no cross-origin opener or embed."""
    for path in ("/", "/login", "/no-such-page", "/healthz"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain http in tests


def test_pages_load_nothing_from_other_hosts(client):
    """No script, style, font or image comes from another host."""
    for path in ("/", "/login"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', page)


def test_error_pages_in_both_languages(client):
    """Errors explain themselves in the visitor's language."""
    assert "未找到" in client.get("/nope?lang=zh").get_data(as_text=True)
    response = client.get("/nope?lang=en")
    assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)
    response = client.delete("/login?lang=en")
    assert response.status_code == 405 and "cannot be used that way" in response.get_data(as_text=True)


def test_missing_csrf_token_is_refused(client):
    """A form posted without its CSRF token is refused with a clear page."""
    response = client.post("/login?lang=en", data={"email": "a@example.org", "password": "x"}, csrf=False)
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)


def test_oversized_body_is_refused(app: Flask, client):
    """A body over the limit gets 413, not a crash."""
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post("/login?lang=en", data={"email": big, "password": "x"})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_server_error_page_rolls_back(make_app):
    """An unexpected error shows a friendly page, no traceback."""
    app = make_app(TESTING=False)
    from campaign.access import public

    @app.route("/boom")
    @public
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom?lang=en")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "secret internals" not in body


def test_health_check_reports_an_unreachable_database(make_app, tmp_path):
    """/healthz answers 503 with JSON when the database cannot be reached, and pages show a clear
    error without a traceback."""
    app = make_app(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unreachable"}
    with client.session_transaction() as sess:
        sess["_user_id"] = "1:1"  # a signed-in visitor: loading the user needs the database
    response = client.get("/staff?lang=en")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "cannot reach its database" in body and "Traceback" not in body
