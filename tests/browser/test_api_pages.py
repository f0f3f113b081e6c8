"""The admins' API pages, including the two shown once (a new key, a new webhook's secret), which
no page walk reaches: valid HTML and no serious axe violation, in both languages, at both widths."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select

from campaign.api.models import Webhook
from campaign.auth.models import Role
from campaign.extensions import db
from tests.browser.test_valid_accessible import LANGS, SERIOUS, WIDTHS, axe, vnu  # noqa: F401  (fixtures)
from tests.conftest import Client, sign_in


def _pages(app: Any, make_user: Any) -> dict[str, tuple[bytes, dict[str, str]]]:
    """(HTML, cookies) of each API page per language, as the admin sees it."""
    app.config["API_WEBHOOK_ALLOW_PRIVATE"] = True
    app.test_client_class = Client
    admin = sign_in(app.test_client(), make_user(Role.ADMIN))
    found: dict[str, tuple[bytes, dict[str, str]]] = {}
    for lang in LANGS:
        admin.get(f"/?lang={lang}")
        cookies = {c.key: c.value for c in admin._cookies.values()}
        found[f"{lang} key created"] = (admin.post("/staff/api/keys", data={
            "name": "Partner", "scopes": ["petitions:read", "people:read"]}).get_data(), cookies)
        found[f"{lang} webhook created"] = (admin.post("/staff/api/webhooks", data={
            "url": "http://127.0.0.1:9/hook", "events": ["signature.confirmed"],
            "scopes": ["petitions:read"]}).get_data(), cookies)
        found[f"{lang} key form with errors"] = (admin.post("/staff/api/keys", data={"name": ""}).get_data(), cookies)
        hook = db.session.scalar(select(Webhook))
        admin.post(f"/staff/api/webhooks/{hook.id}/test", data={})
        for path in ("/staff/api/keys", "/staff/api/webhooks", f"/staff/api/webhooks/{hook.id}", "/api/v1/"):
            found[f"{lang} {path}"] = (admin.get(path).get_data(), cookies)
    return found


def test_api_pages_are_valid_and_accessible(app, make_user, vnu, axe, browser, live_server,  # noqa: F811
                                           tmp_path: Path):
    pages = _pages(app, make_user)
    where = {}
    for n, (name, (body, _cookies)) in enumerate(pages.items()):
        path = tmp_path / f"{n:02d}.html"
        path.write_bytes(body)
        where[str(path)] = name
    run = subprocess.run([*vnu, "--errors-only", "--format", "json", *sorted(where)],
                         capture_output=True, text=True, check=False)
    errors = json.loads(run.stderr)["messages"]
    assert [f"{where.get(e.get('url', '').removeprefix('file:'), e.get('url'))}: {e['message']}"
            for e in errors] == []
    problems = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True,
                                      java_script_enabled=True)
        page = context.new_page()
        for name, (body, _cookies) in pages.items():
            page.goto(live_server.url + "/healthz")  # so the page's /static/ stylesheet loads from us
            page.set_content(body.decode())
            page.evaluate(axe)
            result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']}))"
                                   ".violations.map(v => ({id: v.id, impact: v.impact}))")
            problems += [f"{name} {width}px: {v['id']}" for v in result if v["impact"] in SERIOUS]
        context.close()
    assert problems == []
