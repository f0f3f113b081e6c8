"""Hostile markup typed by strangers never comes back as markup: every free-text column of the
demo is filled with an XSS corpus, then every page reachable by each role is read."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.i18n import languages
from tests.integration.test_fuzz_public_forms import _Forms

CORPUS = [
    '<script>alert("xss")</script>',
    '<img src=x onerror=alert(1)>',
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
]
DANGER = ['<script>alert("xss")', "<img src=x onerror", "<svg onload"]
# Columns people type into and that pages show again.
FREE_TEXT = {"name", "nickname", "comment", "region", "motivation", "skills_other", "availability", "body",
             "description", "title", "subject", "notes", "note", "tags", "reference", "target", "contact",
             "display_name", "summary", "thanks", "share_text", "area"}


def _poison() -> int:
    touched = 0
    payload = " ".join(CORPUS)
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns
                   if c.name in FREE_TEXT and isinstance(c.type, (sa.String, sa.Text, sa.JSON))]
        for column in columns:
            value: object
            if isinstance(column.type, sa.JSON):  # a translated text: the corpus in every language
                value = dict.fromkeys(languages().codes, payload)
            else:
                limit = getattr(column.type, "length", None) or 1000
                value = payload[:limit] if limit >= len(CORPUS[0]) else None
            if value:
                touched += db.session.execute(table.update().values({column.name: value})).rowcount
    db.session.commit()
    return touched


def _crawl(client, starts: list[str], limit: int = 120) -> dict[str, str]:
    seen, queue, pages = set(), list(starts), {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or any(word in path for word in ("logout", "unlock", "/lock", "delete", "erase")):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        body = response.get_data(as_text=True)
        pages[path] = body
        parser = _Forms()
        parser.feed(body)
        for href in parser.links:
            parts = urlsplit(urljoin(path, href))
            if not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("/static"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query and "page=" in parts.query else ""))
    return pages


def test_no_page_shows_typed_markup_as_markup(app, client, login_as):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    assert _poison() > 100
    found = []
    visitors = [("public", client), ("organiser", login_as(Role.ORGANISER)),
                ("admin", login_as(Role.ADMIN, Role.ORGANISER)), ("caseworker", login_as(Role.CASEWORKER))]
    crawled = 0
    for who, visitor in visitors:
        pages = _crawl(visitor, ["/", "/staff"])
        crawled += len(pages)
        for path, body in pages.items():
            for danger in DANGER:
                if danger in body:
                    found.append((who, path, danger))
    assert crawled > 40
    assert found == []


def test_mail_shows_typed_markup_as_text(app, client, inbox):
    """Typed markup arrives in mail escaped in the HTML part: a petition title an organiser typed
    in the signer's confirmation. A stranger's nickname does not reach the unconfirmed address's
    mail at all (tests/integration/test_stranger_words.py)."""
    from tests.petitions_support import make_petition, send_mail, sign

    nickname = '<script>alert("xss")</script>'
    response = client.post("/volunteer", data={"nickname": nickname, "email": "markup@example.org",
                                               "languages": ["zh"], "consent_data": "y"})
    assert response.status_code in (200, 302)
    mail = inbox.last_to("markup@example.org")
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "alert(" not in html
    assert all(danger not in html for danger in DANGER)

    make_petition(slug="markup", title={"zh_Hans": nickname, "en": nickname})
    assert sign(client, "markup", "signer.markup@example.org").status_code == 303
    send_mail(app)
    html = inbox.last_to("signer.markup@example.org").get_body(preferencelist=("html",)).get_content()
    assert "&lt;script&gt;" in html
    assert all(danger not in html for danger in DANGER)
