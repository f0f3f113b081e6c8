"""Deployed as deploy/ describes: Debian's nginx with TLS in front of two gunicorn instances
(-w 2 each) and two `flask worker` processes, on PostgreSQL and Redis; a real browser does what
visitors and a caseworker do.

Run by .ci/run after the suite (`pytest -m deploy tests/deploy`); `make test` deselects it. It
skips, saying why, when PostgreSQL, Redis, nginx or Chromium is missing, except where
DEPLOY_TEST_REQUIRED=1 (as in .ci/run), where a missing piece fails it. Settings: DEPLOY_DATABASE_URL
(else TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test; its schema is emptied),
REDIS_URL (else redis://127.0.0.1:6379/0). Everything listens on loopback, on free ports.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import Inbox, free_port
from tests.deploy.stack import NGINX, Stack, start_stack

pytestmark = pytest.mark.deploy

CHROMIUM = "/usr/bin/chromium"
SECRET = "deploy-test-secret-" + "k" * 40
PASSPHRASE = "deploy-test-help-desk-passphrase"
CASEWORKER = ("caseworker@example.org", "deploy test password 2026")
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SLUG = "deploy-takedown"
CASE_TEXTS = ("t.me/deploy-case-one", "t.me/deploy-case-two")


def _missing(reason: str) -> None:
    if os.environ.get("DEPLOY_TEST_REQUIRED") == "1":
        pytest.fail(f"deployment test cannot run: {reason}")
    pytest.skip(reason)


def _database_url() -> str:
    return (os.environ.get("DEPLOY_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
            or "postgresql://postgres@127.0.0.1:5432/test")


def _redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _check_services() -> None:
    import psycopg
    import redis

    url = _database_url()
    if not url.startswith("postgres"):
        _missing(f"the deployment test needs PostgreSQL, not {url.split(':')[0]}")
    try:
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
    except psycopg.Error as exc:
        _missing(f"PostgreSQL is not reachable at the configured address ({type(exc).__name__})")
    try:
        redis.Redis.from_url(_redis_url(), socket_timeout=3, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _missing(f"Redis is not reachable at REDIS_URL ({type(exc).__name__})")
    if not Path(NGINX).exists() and os.geteuid() == 0:
        # As the Makefile's system-deps does for Chromium: root installs Debian's package.
        subprocess.run(["apt-get", "update", "-qq"], check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=False, stdout=subprocess.DEVNULL,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not Path(NGINX).exists():
        _missing("Debian's nginx is not installed (apt-get install nginx)")
    if not Path(CHROMIUM).exists():
        _missing("Debian's chromium is not installed (make system-deps)")
    if not shutil.which("openssl"):
        _missing("openssl is not installed")


def _seed(url: str, instance: Path) -> Any:
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from campaign import create_app
    from campaign.auth import services as auth
    from campaign.auth.models import Role
    from campaign.config import database_uri
    from campaign.extensions import db
    from campaign.intake import services as intake
    from campaign.petitions.models import Petition

    engine = create_engine(database_uri(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "INSTANCE_PATH": str(instance),
                      "MAIL_SERVER": "", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        user = auth.create_user(CASEWORKER[0], [Role.CASEWORKER], password=CASEWORKER[1])
        auth.enable_totp(user, TOTP_SECRET)
        intake.create_key(PASSPHRASE)
        db.session.add(Petition(slug=SLUG, status="open", goal=100,
                                title={"zh_Hans": "部署测试请愿", "en": "Deployment petition"},
                                body={"zh_Hans": "正文"}, body_html={"zh_Hans": "<p>正文</p>"}))
        db.session.commit()
        db.engine.dispose()
    return app


@dataclass
class Deployment:
    stack: Stack
    inbox: Inbox
    control: Any  # an app on the same database, for seeding and reading

    @property
    def url(self) -> str:
        return self.stack.url


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    _check_services()
    folder = tmp_path_factory.mktemp("deploy")
    url = _database_url()
    control = _seed(url, folder / "control")
    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "TEST_DATABASE"))}
    env.update(DATABASE_URL=url, REDIS_URL=_redis_url(), SECRET_KEY=SECRET, MAIL_SERVER="127.0.0.1",
               MAIL_PORT=str(smtp_port), MAIL_DEFAULT_SENDER="campaign@example.org", FORM_MIN_SECONDS="1")
    try:
        stack = start_stack(folder, env, "campaign:create_app({{'INSTANCE_PATH': '{instance}'}})")
        try:
            yield Deployment(stack, inbox, control)
        finally:
            stack.stop()
    finally:
        smtp.stop()
        from campaign.extensions import db

        with control.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _visitor(browser: Any, deployment: Deployment) -> Any:
    # No JavaScript: as over Tor Browser's safest level. The certificate is this test's own.
    context = browser.new_context(java_script_enabled=False, locale="en-GB", ignore_https_errors=True,
                                  base_url=deployment.url)
    return context.new_page()


def _mail_to(inbox: Inbox, address: str) -> Any:
    for _ in range(600):  # the workers deliver within seconds; give up after about a minute
        found = inbox.to(address)
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no mail reached {address}")


def _submit(page: Any, form: str) -> Any:
    time.sleep(1.1)  # a person takes longer than FORM_MIN_SECONDS to fill a form in
    with page.expect_navigation():
        page.click(f"{form} [type=submit]")
    return page


# --- the test -----------------------------------------------------------------------------------


def test_visitors_and_a_caseworker_through_nginx_over_https(deployment: Deployment, browser: Any) -> None:
    """Signing (confirmed from the mail), subscribing, volunteering and two help requests through
    nginx over HTTPS; a caseworker signs in with TOTP, unlocks once and reads both cases from both
    instances; the proxy's access log holds no client address and no mailed token."""
    import pyotp
    from playwright.sync_api import expect

    page = _visitor(browser, deployment)
    if os.environ.get("DEPLOY_DEBUG"):
        page.on("request", lambda r: print("REQ", r.method, r.url, r.headers) if r.method == "POST" else None)
        page.on("response", lambda r: print("RESP", r.status, r.url, r.headers.get("set-cookie")))

    # Sign, then confirm from the mail the worker sends.
    page.goto(f"/petitions/{SLUG}?lang=en")
    page.fill("input[name=name]", "Mei Chen")
    page.fill("input[name=email]", "mei@example.org")
    page.check("input[name=display][value=full]")
    _submit(page, "form:has(input[name=website])")
    expect(page.get_by_text("Please check your mail")).to_be_visible()
    link = next(x for x in Inbox.links(_mail_to(deployment.inbox, "mei@example.org")) if "/petition-confirm/" in x)
    assert link.startswith(deployment.url)
    page.goto(link)
    _submit(page, "form:has-text('Confirm my signature')")
    expect(page.get_by_text("Your signature is confirmed and counted")).to_be_visible()

    # Subscribe.
    page.goto("/subscribe?lang=en")
    page.fill("input[name=email]", "reader@example.org")
    _submit(page, "form:has(input[name=email])")
    assert "/subscribe/confirm/" in "".join(Inbox.links(_mail_to(deployment.inbox, "reader@example.org")))

    # Register as a volunteer.
    page.goto("/volunteer?lang=en")
    page.fill("input[name=nickname]", "Night owl")
    page.fill("input[name=email]", "owl@example.org")
    page.check("input[name=consent_data]")
    _submit(page, "form:has(input[name=nickname])")
    assert "/volunteer/confirm/" in "".join(Inbox.links(_mail_to(deployment.inbox, "owl@example.org")))

    # Two help requests.
    for where in CASE_TEXTS:
        page.goto("/help?lang=en")
        page.check("input[name=kinds][value=hidden_camera]")
        page.fill("textarea[name=where]", where)
        _submit(page, "form:has(textarea[name=where])")
        expect(page.locator("#receipt-code")).to_be_visible()

    # A caseworker: password, TOTP, one unlock; then both cases, answered by both instances.
    staff = _visitor(browser, deployment)
    staff.goto("/login?lang=en")
    staff.fill("input[name=email]", CASEWORKER[0])
    staff.fill("input[name=password]", CASEWORKER[1])
    _submit(staff, "form:has(input[name=password])")
    staff.fill("input[name=code]", pyotp.TOTP(TOTP_SECRET).now())
    _submit(staff, "form:has(input[name=code])")
    staff.goto("/cases/unlock?lang=en")
    staff.fill("input[name=passphrase]", PASSPHRASE)
    _submit(staff, "form:has(input[name=passphrase])")
    expect(staff.get_by_text("Unlocked.")).to_be_visible()

    from sqlalchemy import select

    from campaign.extensions import db
    from campaign.intake.models import HelpRequest

    with deployment.control.app_context():
        case_ids = list(db.session.scalars(select(HelpRequest.id).order_by(HelpRequest.id)))
    assert len(case_ids) == 2
    served_by: dict[str, int] = {}
    for _round in range(4):
        for case_id, text in zip(case_ids, CASE_TEXTS, strict=True):
            response = staff.goto(f"/cases/{case_id}?lang=en")
            assert response is not None and response.status == 200
            assert response.headers.get("cache-control") == "no-store"
            assert text in staff.content(), f"case {case_id} not decrypted by {response.headers.get('x-test-upstream')}"
            upstream = response.headers["x-test-upstream"]
            served_by[upstream] = served_by.get(upstream, 0) + 1
    assert set(served_by) == {f"127.0.0.1:{port}" for port in deployment.stack.upstreams}, served_by

    # The proxy's log: requests without any client address, and mailed tokens cut out.
    log = deployment.stack.access_log
    assert log.count("\n") >= 20
    assert "/petition-confirm/-" in log
    token = link.rsplit("/", 1)[1]
    assert token not in log
    assert not re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", log), "an IPv4 address in the access log"
    assert "::1" not in log


def test_a_partner_uses_the_api_through_nginx_over_https(deployment: Deployment) -> None:
    """The JSON API behind the proxy, with plain HTTPS calls as a partner's script makes them: lists
    link onwards to the public https address; a key writes with no cookie, Referer or CSRF token (the
    CSRF check, strict over HTTPS, does not apply to it) while a visitor's cookies with a valid CSRF
    token write nothing; the per-key limit is counted across both instances; a revoked key is
    refused at once by both; a body too large for the app, or for nginx itself, gets a JSON 413."""
    import http.cookiejar
    import ssl
    from urllib import request as urlrequest

    from sqlalchemy import select

    from campaign.api import keys
    from campaign.auth import services as auth
    from campaign.auth.models import Role, User
    from campaign.extensions import db
    from campaign.petitions.models import Petition, Signature
    from tests.api_support import call

    base = deployment.url
    tls = ssl.create_default_context(cafile=str(deployment.stack.folder / "cert.pem"))
    with deployment.control.app_context():
        admin = auth.create_user("api-admin@example.org", [Role.ADMIN], password="deploy api admin 2026")
        admin_id = admin.id
        db.session.add(Petition(slug="deploy-second", status="open", goal=10, title={"zh_Hans": "第二份请愿"}))
        db.session.commit()
        key, token = keys.create("coalition", ["petitions:read", "signatures:write"], None, admin)
        key_id = key.id
        busy = keys.create("busy", ["petitions:read"], None, admin)[1]
        petition_id = db.session.scalar(select(Petition.id).where(Petition.slug == SLUG))

    status, headers, body = call("GET", f"{base}/api/v1/petitions?limit=1", token, context=tls)
    assert status == 200 and len(body["items"]) == 1, body
    assert body["_links"]["next"]["href"].startswith(f"{base}/api/v1/petitions?"), body["_links"]
    assert not any(name.lower() == "set-cookie" for name in headers)

    # A key alone writes: no cookie, no Referer, no CSRF token.
    path = f"{base}/api/v1/petitions/{petition_id}/signatures"
    status, _headers, body = call("POST", path, token, {"email": "partner-signer@example.org", "name": "Lan"},
                                  context=tls)
    assert (status, body) == (202, {"status": "pending", "id": None}), body
    link = next(x for x in Inbox.links(_mail_to(deployment.inbox, "partner-signer@example.org"))
                if "/petition-confirm/" in x)
    assert link.startswith(base)

    # A visitor's cookies and a valid CSRF token from a page of the site authenticate nothing here.
    jar = http.cookiejar.CookieJar()
    browser_like = urlrequest.build_opener(urlrequest.HTTPCookieProcessor(jar), urlrequest.HTTPSHandler(context=tls))
    with browser_like.open(f"{base}/petitions/{SLUG}?lang=en", timeout=30) as answer:
        page = answer.read().decode()
    csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert csrf and len(jar) >= 1
    forged = urlrequest.Request(  # noqa: S310  (the test's own https address)
        path, method="POST", data=json.dumps({"email": "x@example.org", "name": "X"}).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf.group(1),
                 "Referer": f"{base}/petitions/{SLUG}", "Accept": "application/json"})
    try:
        browser_like.open(forged, timeout=30)
        raise AssertionError("a cookie wrote through the API")
    except urlrequest.HTTPError as refused:
        assert refused.code == 401 and json.loads(refused.read())["code"] == 401

    # Too large for the app (API_MAX_BODY_KB), and for nginx (client_max_body_size): JSON 413 both.
    for size in (100 * 1024, 4 * 1024 * 1024):
        status, headers, body = call("POST", path, token, raw=b'{"name": "' + b"x" * size + b'"}', context=tls)
        assert status == 413 and isinstance(body, dict) and body["code"] == 413 and body["message"], (size, body)
        assert body["reason"] == "request_entity_too_large", body  # the app's and nginx's alike

    # The per-key limit holds across both instances (counted in Redis); another key is unaffected.
    answered: dict[int, set[str]] = {}
    for _ in range(121):  # API_RATE_PER_MINUTE is 120 by default
        status, headers, _body = call("GET", f"{base}/api/v1/petitions", busy, context=tls)
        answered.setdefault(status, set()).add(headers.get("X-Test-Upstream", ""))
    assert set(answered) == {200, 429} and len(answered[200]) == 2, answered
    assert call("GET", f"{base}/api/v1/petitions", token, context=tls)[0] == 200

    # Revoked in another process: both instances refuse the key on the next call.
    with deployment.control.app_context():
        keys.revoke(key_id, db.session.get(User, admin_id))
        signers = set(db.session.scalars(select(Signature.email).where(Signature.petition_id == petition_id)))
    assert "partner-signer@example.org" in signers and "x@example.org" not in signers
    refusals: dict[int, set[str]] = {}
    for _ in range(6):
        status, headers, body = call("GET", f"{base}/api/v1/petitions", token, context=tls)
        refusals.setdefault(status, set()).add(headers.get("X-Test-Upstream", ""))
    assert set(refusals) == {401} and len(refusals[401]) == 2, refusals


def test_static_files_under_hashed_urls_are_kept_a_year_through_nginx(deployment: Deployment) -> None:
    """nginx serves /static/ itself: a URL carrying its file's content hash (every page links them so)
    may be kept a year without asking again; the same file without the hash, an hour."""
    import re
    import ssl
    from urllib import request as urlrequest

    tls = ssl.create_default_context(cafile=str(deployment.stack.folder / "cert.pem"))
    https = urlrequest.build_opener(urlrequest.HTTPSHandler(context=tls))
    with https.open(f"{deployment.url}/petitions/{SLUG}?lang=en", timeout=30) as answer:
        page = answer.read().decode()
    linked = re.findall(r'(/static/[^"?]+)\?v=([0-9a-f]+)"', page)
    assert linked, "the page links no static file by its hash"
    for path, digest in linked:
        with https.open(f"{deployment.url}{path}?v={digest}", timeout=30) as answer:
            kept = answer.headers["Cache-Control"]
            assert answer.status == 200 and answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age=31536000" in kept and "immutable" in kept, (path, kept)
        with https.open(f"{deployment.url}{path}", timeout=30) as answer:
            plain = answer.headers["Cache-Control"]
        assert "immutable" not in plain and "max-age=3600" in plain, (path, plain)


def test_nginx_answers_the_api_in_json_when_the_app_is_down(tmp_path: Path) -> None:
    """With no app behind it, nginx answers /api/ with a JSON 503 (and Retry-After), as a partner's
    script expects; a page keeps nginx's own error page."""
    import ssl
    import subprocess as sp

    from tests.api_support import call
    from tests.deploy.stack import _free_port, certificate, nginx_conf, nginx_site, stop, wait_for_port

    if not Path(NGINX).exists():
        _missing("Debian's nginx is not installed (apt-get install nginx)")
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "acme"):
        (tmp_path / name).mkdir()
    https_port, http_port, closed = _free_port(), _free_port(), _free_port()
    cert, key = certificate(tmp_path)
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(tmp_path, nginx_site(tmp_path, https_port, http_port, [closed], cert, key)))
    log = tmp_path / "nginx.out"
    nginx = sp.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf)], stdout=log.open("wb"), stderr=sp.STDOUT)
    try:
        wait_for_port(https_port, nginx, "nginx", log)
        tls = ssl.create_default_context(cafile=str(cert))
        base = f"https://127.0.0.1:{https_port}"
        status, headers, body = call("GET", f"{base}/api/v1/petitions", "cmp_x_y", context=tls)
        assert status == 503 and isinstance(body, dict) and body["code"] == 503 and body["message"], body
        assert body["reason"] == "service_unavailable", body
        assert headers.get("Retry-After") == "60"
        status, _headers, page = call("GET", f"{base}/petitions", context=tls)
        assert status == 502 and "<html>" in page
    finally:
        stop([nginx])
