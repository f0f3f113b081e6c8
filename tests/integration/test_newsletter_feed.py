"""The public archive as an Atom feed: valid Atom, published issues only, no one's name, cacheable."""
from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter.models import Issue

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _parse(data: bytes) -> ElementTree.Element:
    """Our own feed, parsed strictly: malformed XML fails the test."""
    return ElementTree.fromstring(data)  # noqa: S314  (the app's own output, not a stranger's file)


def _issue(subject: str, published: bool, finished: datetime, **texts: str) -> Issue:
    """An issue written in Simplified Chinese, plus any `subject_<code>` / `body_<code>` given."""
    issue = Issue(subject={"zh_Hans": subject}, body={"zh_Hans": "{{name|朋友}}，你好 <script>x()</script>"},
                  status="sent", published=published, finished_at=finished)
    for key, text in texts.items():
        name, code = key.split("_", 1)
        getattr(issue, name)[code] = text
    db.session.add(issue)
    db.session.commit()
    return issue


def test_feed_lists_published_issues_as_valid_atom(client, make_user):
    make_user(Role.ORGANISER)
    first = _issue("第一期", True, datetime(2026, 5, 1, 8, 0), subject_en="Issue one", body_en="Hello {{name}}")
    _issue("草稿不公开", False, datetime(2026, 6, 1, 8, 0))
    response = client.get("/newsletter/feed/zh.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert "public" in response.headers["Cache-Control"] and "Set-Cookie" not in response.headers
    root = _parse(response.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["第一期"]
    entry = entries[0]
    assert entry.findtext(f"{ATOM}id").endswith(f"/newsletter/archive/{first.id}")
    assert entry.findtext(f"{ATOM}updated") == "2026-05-01T08:00:00Z"
    content = entry.findtext(f"{ATOM}content")
    assert "朋友，你好" in content and "<script" not in content  # merge field filled, sanitised
    english = _parse(client.get("/newsletter/feed/en.xml").data)
    assert [e.findtext(f"{ATOM}title") for e in english.findall(f"{ATOM}entry")] == ["Issue one"]
    assert english.get(XML_LANG) == "en" and english.find(f"{ATOM}entry").get(XML_LANG) == "en"


def test_one_feed_per_configured_language_each_entry_in_it_or_its_marked_fallback(client):
    """feed/zh-Hant.xml gives the Traditional text where written, else the Simplified one marked as such."""
    _issue("第一期", True, datetime(2026, 5, 1, 8, 0), subject_zh_Hant="第一期（繁）", body_zh_Hant="朋友們好")
    _issue("第二期", True, datetime(2026, 5, 2, 8, 0))
    feed = _parse(client.get("/newsletter/feed/zh-Hant.xml").data)
    assert feed.get(XML_LANG) == "zh-Hant"
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.findall(f"{ATOM}entry")}
    assert set(entries) == {"第一期（繁）", "第二期"}
    assert "朋友們好" in entries["第一期（繁）"].findtext(f"{ATOM}content")
    assert entries["第一期（繁）"].get(XML_LANG) == "zh-Hant" and entries["第二期"].get(XML_LANG) == "zh-Hans"
    assert client.get("/newsletter/feed/xx.xml").status_code == 404


def test_feed_answers_not_modified_to_a_reader_that_has_it(client):
    _issue("第一期", True, datetime(2026, 5, 1, 8, 0))
    first = client.get("/newsletter/feed/zh.xml")
    again = client.get("/newsletter/feed/zh.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    _issue("第二期", True, datetime(2026, 5, 2, 8, 0))
    changed = client.get("/newsletter/feed/zh.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "第二期" in changed.get_data(as_text=True)


def test_empty_feed_is_still_valid(client):
    root = _parse(client.get("/newsletter/feed/en.xml").data)
    assert root.find(f"{ATOM}updated") is not None and root.findall(f"{ATOM}entry") == []


def test_archive_page_links_its_feed(client):
    page = client.get("/newsletter/archive?lang=en").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml" href="/newsletter/feed/en.xml"' in page
    page = client.get("/newsletter/archive?lang=zh").get_data(as_text=True)
    assert 'href="/newsletter/feed/zh-Hans.xml"' in page
    page = client.get("/newsletter/archive?lang=zh-Hant").get_data(as_text=True)
    assert 'href="/newsletter/feed/zh-Hant.xml"' in page
