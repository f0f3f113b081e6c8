"""Help pages fit for survivors: a quick exit on every help page that needs no script and loads
nothing from another host, and the configured crisis contacts."""
from __future__ import annotations

import re

import pytest

from campaign.intake import services as intake

HELP_PAGES = ("/help", "/help/status")


@pytest.fixture()
def contacts_app(make_app):
    return make_app(CRISIS_CONTACTS=["Hotline: 12355", "Legal aid: 12348"])


@pytest.mark.parametrize("desk_open", [False, True])
def test_every_help_page_has_a_plain_quick_exit_link(client, desk_open):
    if desk_open:
        intake.create_key("a long team passphrase for the test")
    for path in HELP_PAGES:
        page = client.get(path).get_data(as_text=True)
        link = re.search(r'<a id="quick-exit" href="([^"]+)"', page)
        assert link, path
        assert link.group(1) == "https://www.baidu.com/"
        scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
        assert "/static/js/quick-exit.js" in scripts
        assert all(src.startswith("/") and not src.startswith("//") for src in scripts)  # nothing from other hosts


def test_crisis_contacts_show_on_help_pages(contacts_app):
    client = contacts_app.test_client()
    for path in HELP_PAGES:
        page = client.get(path).get_data(as_text=True)
        assert "Hotline: 12355" in page and "Legal aid: 12348" in page


def test_no_crisis_box_without_contacts(client):
    assert "crisis-contacts" not in client.get("/help").get_data(as_text=True)
