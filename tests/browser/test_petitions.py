"""A stranger signs without JavaScript, confirms from the mail, and sees the count rise."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_mail
from tests.conftest import Inbox
from tests.petitions_support import make_petition, send_mail


class PetitionPage:
    """Selectors of the public petition pages, in one place."""

    def __init__(self, page: Any, slug: str) -> None:
        self.page = page
        self.slug = slug

    def open(self) -> PetitionPage:
        self.page.goto(f"/petitions/{self.slug}")
        return self

    def count(self) -> str:
        return str(self.page.locator("#signature-count").inner_text())

    def sign(self, name: str, email: str) -> None:
        self.page.get_by_label("Name", exact=True).fill(name)
        self.page.get_by_label("Email", exact=True).fill(email)
        self.page.get_by_label("My full name").check()
        self.page.get_by_role("button", name="Sign", exact=True).click()

    def confirm(self, link: str) -> None:
        self.page.goto(urlsplit(link).path)
        self.page.get_by_role("button", name="Confirm my signature").click()


def test_sign_confirm_from_mail_and_see_the_count_rise_without_javascript(app, new_page, inbox):
    """The whole signing path works with scripts off, and only the confirmed signature counts."""
    make_petition()
    petition = PetitionPage(new_page(javascript=False, locale="en-US"), "takedown").open()
    assert petition.count() == "0"
    petition.sign("Mei Chen", "mei@example.org")
    expect(petition.page.get_by_text("Please check your mail")).to_be_visible()
    assert petition.open().count() == "0"

    send_mail(app)
    wait_for_mail()
    link = next(url for url in Inbox.links(inbox.last_to("mei@example.org")) if "/petition-confirm/" in url)
    petition.confirm(link)
    expect(petition.page.get_by_text("Your signature is confirmed and counted")).to_be_visible()
    assert petition.open().count() == "1"
    expect(petition.page.get_by_text("Mei Chen")).to_be_visible()


def test_copy_button_appears_only_with_javascript(app, new_page):
    """Without scripts the share link is a plain text field; with them a copy button joins it."""
    make_petition()
    plain = new_page(javascript=False, locale="en-US")
    plain.goto("/petitions/takedown/thanks")
    assert plain.locator("#share-url").input_value().endswith("?src=link")
    expect(plain.get_by_role("button", name="Copy link")).to_be_hidden()
    scripted = new_page(javascript=True, locale="en-US")
    scripted.goto("/petitions/takedown/thanks")
    expect(scripted.get_by_role("button", name="Copy link")).to_be_visible()


def test_a_traditional_chinese_reader_sees_the_fallback_marked_and_the_written_text_plain(app, new_page):
    """A zh-TW browser gets the Traditional title where it is written; the body, written only in
    Simplified Chinese, comes with the note and its own lang="zh-Hans" for screen readers."""
    make_petition(title={"zh_Hans": "要求平台下架偷拍内容", "zh_Hant": "要求平臺下架偷拍內容"})
    page = PetitionPage(new_page(javascript=False, locale="zh-TW"), "takedown").open().page
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.get_by_role("heading", level=1)).to_have_text("要求平臺下架偷拍內容")
    body = page.locator(".petition-body")
    expect(body).to_have_attribute("lang", "zh-Hans")
    expect(body.locator(".fallback-note")).to_contain_text("繁體中文")
    expect(body.get_by_text("我们要求")).to_be_visible()
