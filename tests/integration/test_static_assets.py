"""Static files under content-hashed URLs: cached for a year by the browser, a new URL on change."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

YEAR = "max-age=31536000"


def test_pages_link_static_files_by_content_hash_and_those_urls_are_immutable(client: FlaskClient) -> None:
    """The stylesheet link carries a hash; that URL is cached for a year and never revalidated."""
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'href="(/static/css/site\.css\?v=([0-9a-f]{12}))"', page)
    assert found, "the stylesheet is not linked under a hashed URL"
    response = client.get(found.group(1))
    assert response.status_code == 200 and b"{" in response.data
    cache = response.headers["Cache-Control"]
    assert "public" in cache and YEAR in cache and "immutable" in cache and "no-cache" not in cache


def test_unhashed_or_stale_static_urls_are_revalidated(client: FlaskClient) -> None:
    """Without the current hash a static file is served but not pinned in the browser's cache."""
    for url in ("/static/css/site.css", "/static/css/site.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", ""), url
    assert client.get("/static/css/nothing.css?v=000000000000").status_code == 404
    assert client.get("/static/../campaign/config.py").status_code == 404


def test_a_changed_file_gets_a_new_url(make_app: object, tmp_path: Path) -> None:
    """Editing a static file changes its URL, so no browser keeps the old content."""
    app: Flask = make_app()  # type: ignore[operator]
    folder = tmp_path / "static"
    shutil.copytree(Path(app.static_folder or ""), folder)
    app.static_folder = str(folder)
    from campaign.assets import static_url

    with app.test_request_context("/"):
        before = static_url("js/share.js")
        with open(folder / "js" / "share.js", "a", encoding="utf-8") as handle:
            handle.write("\n// changed\n")
        after = static_url("js/share.js")
    assert before != after and after.startswith("/static/js/share.js?v=")
