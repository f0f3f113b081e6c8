"""The interface languages are configuration: Simplified and Traditional Chinese and English ship,
browsers' Accept-Language picks among the configured ones (zh-TW and zh-HK read Traditional), a
choice is kept, and mail goes out in the recipient's language."""
from __future__ import annotations

import re
from collections.abc import Callable
from email.header import decode_header, make_header
from pathlib import Path

import opencc
import pytest
from flask import Flask

from campaign.config import ConfigError, load
from campaign.i18n import configured
from tests.conftest import Inbox
from tests.page_walk import visible_text
from tests.unit.test_catalogs import TRADITIONAL_TOO

THREE = configured(["zh_Hans", "zh_Hant", "en"])


def _html_lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, html[:200]
    return found.group(1)


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        ("zh-TW,zh;q=0.9,en;q=0.5", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-MO,en;q=0.3", "zh-Hant"),
        ("zh-Hant", "zh-Hant"),
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("zh-SG", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("en-GB,en;q=0.8,zh;q=0.2", "en"),
        ("fr-FR,zh-TW;q=0.5,en;q=0.4", "zh-Hant"),  # no French: the next the browser accepts
        ("ko-KR", "zh-Hans"),  # nothing fits: the first configured language
        ("", "zh-Hans"),
    ],
)
def test_accept_language_picks_among_configured_languages(client, header: str, wanted: str) -> None:
    page = client.get("/subscribe", headers={"Accept-Language": header})
    assert page.status_code == 200
    assert _html_lang(page.get_data(as_text=True)) == wanted


def test_with_two_languages_a_taiwanese_browser_reads_simplified_chinese(make_app: Callable[..., Flask]) -> None:
    app = make_app(LANGUAGES=["zh_Hans", "en"])
    client = app.test_client()
    page = client.get("/subscribe", headers={"Accept-Language": "zh-TW"})
    html = page.get_data(as_text=True)
    assert _html_lang(html) == "zh-Hans"
    assert "繁體中文" not in html  # the switch offers only the configured languages
    assert _html_lang(client.get("/subscribe?lang=zh-Hant").get_data(as_text=True)) == "zh-Hans"


def test_the_choice_is_kept_and_older_links_still_work(client) -> None:
    chosen = client.get("/subscribe?lang=zh-Hant", headers={"Accept-Language": "en"})
    assert "lang=zh-Hant" in chosen.headers.get("Set-Cookie", "")
    later = client.get("/subscribe", headers={"Accept-Language": "en"})
    assert _html_lang(later.get_data(as_text=True)) == "zh-Hant"
    # Links written before Traditional Chinese existed say ?lang=zh.
    assert _html_lang(client.get("/subscribe?lang=zh").get_data(as_text=True)) == "zh-Hans"
    assert _html_lang(client.get("/subscribe?lang=<script>").get_data(as_text=True)) == "zh-Hans"


def test_traditional_pages_read_as_traditional_chinese(client) -> None:
    """The interface's own words (not the content organisers wrote) are all Traditional."""
    to_traditional, to_simplified = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    for path in ("/subscribe", "/volunteer", "/my-data/", "/monitoring"):
        page = client.get(f"{path}?lang=zh-Hant")
        assert page.status_code == 200, path
        text = visible_text(page.get_data(as_text=True))
        assert re.search(r"[\u4e00-\u9fff]", text), path
        simplified = {c for c in text if to_traditional.convert(c) != c and to_simplified.convert(c) == c}
        assert simplified - set(TRADITIONAL_TOO) == set(), (path, simplified)


def test_the_language_switch_names_each_language_in_itself(client) -> None:
    html = client.get("/subscribe?lang=en").get_data(as_text=True)
    switch = html[html.index('class="lang-switch"'):]
    switch = switch[:switch.index("</nav>")]
    for tag, name in (("zh-Hans", "简体中文"), ("zh-Hant", "繁體中文"), ("en", "English")):
        assert f'lang="{tag}"' in switch and name in switch


def test_mail_goes_out_in_the_subscribers_language(client, app: Flask, inbox: Inbox) -> None:
    client.get("/subscribe?lang=zh-Hant")
    page = client.post("/subscribe", data={"email": "mei@example.org", "language": "zh_Hant"})
    assert page.status_code == 200
    mail = inbox.last_to("mei@example.org")
    subject = str(make_header(decode_header(mail["Subject"])))
    body = mail.get_body(("plain",)).get_content()
    to_traditional, to_simplified = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    for text in (subject, body):
        assert re.search(r"[\u4e00-\u9fff]", text)
        simplified = {c for c in text if to_traditional.convert(c) != c and to_simplified.convert(c) == c}
        assert simplified - set(TRADITIONAL_TOO) == set()


def test_a_language_without_a_catalogue_stops_start_up(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LANGUAGES", "zh_Hans,ko")
    with pytest.raises(ConfigError, match="LANGUAGES must list locale codes from en, zh_Hans, zh_Hant"):
        load(str(tmp_path))


def test_a_language_is_named_and_matched_from_its_code_alone() -> None:
    """A fourth language would need a catalogue and a setting: its tag, name and matching come
    from Babel's locale data."""
    four = configured(["zh_Hans", "zh_Hant", "en", "ko"])
    korean = four.by_any("ko-KR")
    assert korean is not None and korean.tag == "ko" and korean.name == "한국어"
    assert four.best_for("ko-KR,ko;q=0.9").code == "ko"
    assert four.best_for("zh-HK").code == "zh_Hant"


def _korean_catalogue(root: Path) -> Path:
    """A group's own catalogue for Korean, outside the code: a few entries translated, compiled."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    catalog = Catalog(locale="ko")
    catalog.add("Subscribe", "구독하기")
    folder = root / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as handle:
        write_po(handle, catalog)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return root


def test_a_fourth_language_takes_a_setting_and_a_catalogue(monkeypatch, tmp_path, make_app) -> None:
    """Korean, added by a group with its own catalogue (EXTRA_TRANSLATIONS) and LANGUAGES alone:
    it is offered in the switch under its own name, picked from Accept-Language, speaks from its
    catalogue, and English stays the source for what it has not translated yet."""
    extra = _korean_catalogue(tmp_path / "catalogues")
    monkeypatch.setenv("EXTRA_TRANSLATIONS", str(extra))
    monkeypatch.setenv("LANGUAGES", "zh_Hans,zh_Hant,en,ko")
    settings = load(str(tmp_path / "instance"))
    assert settings["LANGUAGES"] == ["zh_Hans", "zh_Hant", "en", "ko"]

    app = make_app(LANGUAGES=settings["LANGUAGES"],
                   BABEL_TRANSLATION_DIRECTORIES=settings["BABEL_TRANSLATION_DIRECTORIES"])
    client = app.test_client()
    page = client.get("/subscribe", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    html = page.get_data(as_text=True)
    assert _html_lang(html) == "ko"
    assert "구독하기" in html
    assert "한국어" in client.get("/subscribe?lang=en").get_data(as_text=True)


def test_extra_catalogues_must_be_a_directory(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("EXTRA_TRANSLATIONS", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="EXTRA_TRANSLATIONS must be a directory"):
        load(str(tmp_path))
