"""Long staff lists come in pages of 50 with page links that keep the search and filters, and a
search box that is a plain GET form; the mailbox reads only the page it shows."""
from __future__ import annotations

import re
from html import unescape

from campaign.auth import services as auth
from campaign.auth.models import Role


def _links(html: str) -> dict[str, str]:
    pager = re.search(r'<nav class="pager".*?</nav>', html, re.S)
    assert pager, "no page links"
    found = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', pager.group(0))
    return {unescape(text): unescape(href) for href, text in found}


def test_staff_accounts_are_paged_and_searched_by_email(app, login_as):
    admin = login_as(Role.ADMIN)
    for n in range(120):
        auth.create_user(f"helper{n:03d}@example.org", [Role.ORGANISER], password=None)
    for n in range(3):
        auth.create_user(f"x_{n}@needle.example", [Role.ORGANISER], password=None)

    first = admin.get("/admin/users?lang=en").text
    assert first.count('data-label="Email"') == 50
    assert "Page 1 of 3" in first
    links = _links(first)
    assert links["Next"] == "/admin/users?page=2" and links["Last"] == "/admin/users?page=3"
    assert '<form method="get" class="filters" role="search">' in first and 'type="search"' in first

    found = admin.get("/admin/users?q=NEEDLE&lang=en").text
    assert found.count('data-label="Email"') == 3 and "helper000" not in found
    assert 'value="NEEDLE"' in found
    # "_" is a letter to search for, not a wildcard.
    assert admin.get("/admin/users?q=x_1&lang=en").text.count('data-label="Email"') == 1
    assert admin.get("/admin/users?q=%25&lang=en").text.count('data-label="Email"') == 0

    many = admin.get("/admin/users?q=helper&page=2&lang=en").text
    assert "Page 2 of 3" in many
    links = _links(many)
    assert links["Previous"] == "/admin/users?q=helper&page=1" and links["Next"] == "/admin/users?q=helper&page=3"
    assert admin.get("/admin/users?page=99&lang=en").status_code == 200  # past the end: empty, not an error
    assert admin.get("/admin/users?page=-3&lang=en").status_code == 200


def test_the_mailbox_is_paged_and_searched(app, login_as, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    for n in range(75):
        subject = "Confirm your signature" if n % 3 else "Your task"
        (tmp_path / f"2026-01-01T00-00-{n:02d}.eml").write_bytes(
            f"To: p{n}@example.org\r\nSubject: {subject}\r\n\r\nbody\r\n".encode())
    admin = login_as(Role.ADMIN)
    page = admin.get("/admin/mailbox?lang=en").text
    assert page.count('data-label="File"') == 50 and "75 mails" in page and "Page 1 of 2" in page
    assert "2026-01-01T00-00-74.eml" in page  # newest first
    second = admin.get("/admin/mailbox?page=2&lang=en").text
    assert second.count('data-label="File"') == 25
    task = admin.get("/admin/mailbox?q=your+task&lang=en").text
    assert "25 mails" in task and "Confirm your signature" not in task
