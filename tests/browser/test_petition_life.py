"""A petition's later life in a real browser, in both languages: signing inside a partner's frame
served from another origin, the counter badge there, the organisers' updates, answers, paper
signatures, sheet, PDF and milestones, and the news by mail with its unsubscribe link."""
from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import select

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import dispatch
from campaign.newsletter import services as newsletter
from campaign.newsletter.models import Subscriber
from campaign.petitions import milestones, pdf
from campaign.petitions.models import Petition, Signature
from campaign.timeutil import utcnow
from tests.browser.conftest import wait_for_mail
from tests.conftest import Inbox, free_port
from tests.petitions_support import make_petition

LANGS = [("zh", "zh-CN", "zh_Hans"), ("en", "en-GB", "en")]


def words(app: Any, locale: str, *messages: str) -> list[str]:
    """The interface's words in `locale`, as the page shows them."""
    with app.test_request_context(), force_locale(locale):
        return [gettext(message) for message in messages]


class PartnerSite:
    """A partner's page on another loopback origin (`localhost`, not 127.0.0.1: another site to
    the browser, so none of the app's SameSite=Lax cookies go into the frame)."""

    def __init__(self, app_url: str, lang: str) -> None:
        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        frame = f"{app_url}/embed/petitions/takedown?lang={lang}"
        unlisted = f"{app_url}/petitions/takedown"
        body = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Partner</title></head><body>"
            f"<h1>Partner news</h1><img id='badge' alt='count' src='{app_url}/embed/petitions/takedown/badge.svg'>"
            f"<iframe id='embed' title='petition' src='{frame}' width='420' height='900'></iframe>"
            f"<iframe id='plain' title='plain' src='{unlisted}' width='300' height='200'></iframe>"
            "</body></html>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PartnerSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture()
def context(browser: Any, live_server: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_context(locale: str, javascript: bool = False) -> Any:
        made = browser.new_context(java_script_enabled=javascript, locale=locale, base_url=live_server.url)
        contexts.append(made)
        return made

    yield open_context
    for made in contexts:
        made.close()


@pytest.mark.parametrize(("lang", "browser_locale", "locale"), LANGS)
def test_visitor_signs_inside_a_partner_frame_on_another_origin_and_confirms(
        app, live_server, context, inbox, lang, browser_locale, locale):
    """Framed by a listed partner site on another origin, with scripts off, a visitor signs and
    then confirms from the mail; the badge shows on the partner page; the petition page itself
    refuses to be framed there."""
    with PartnerSite(live_server.url, lang) as partner:
        make_petition(embed_origins=partner.origin)
        name, email_label, full, sign_button, thanks, confirm_button = words(
            app, locale, "Name", "Email", "My full name", "Sign",
            "Thank you! Please check your mail and follow the link to confirm your signature.",
            "Confirm my signature")
        page = context(browser_locale).new_page()
        page.goto(partner.origin + "/")
        frame = page.frame_locator("#embed")
        frame.get_by_label(name, exact=True).fill("Mei Chen")
        frame.get_by_label(email_label, exact=True).fill("mei@example.org")
        frame.get_by_label(full).check()
        frame.get_by_role("button", name=sign_button, exact=True).click()
        expect(frame.get_by_text(thanks)).to_be_visible()

        # The badge loaded cross-origin as a plain image (CORP cross-origin on that resource).
        assert page.eval_on_selector("#badge", "img => img.complete && img.naturalWidth") > 0
        # The ordinary petition page, framed by the same partner, was refused (frame-ancestors 'none').
        urls = [f.url for f in page.frames]
        assert any("/embed/petitions/takedown/thanks" in url for url in urls), urls
        assert f"{live_server.url}/petitions/takedown" not in urls, urls
        assert page.frame_locator("#plain").locator("#signature-count").count() == 0

    signature = db.session.scalars(select(Signature)).one()
    assert signature.name == "Mei Chen" and signature.status == "pending"
    wait_for_mail()
    link = next(url for url in Inbox.links(inbox.last_to("mei@example.org")) if "/petition-confirm/" in url)
    top = context(browser_locale).new_page()
    top.goto(urlsplit(link).path)
    top.get_by_role("button", name=confirm_button).click()
    top.goto("/petitions/takedown")
    expect(top.locator("#signature-count")).to_have_text("1")


def _sign_in(page: Any, app: Any, locale: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", "org@example.org")
    page.fill("input[name=password]", "correct horse battery")
    page.get_by_role("button", name=words(app, locale, "Sign in")[0]).click()


@pytest.mark.parametrize(("lang", "browser_locale", "locale"), LANGS)
def test_organiser_posts_news_enters_paper_signatures_and_sees_a_milestone(
        app, live_server, context, make_user, inbox, lang, browser_locale, locale):
    """An organiser asks for milestone mail, publishes an update and the target's answer, types in
    a paper signature, uploads a CSV of them, opens the printable sheet, downloads the PDF and
    sees paper apart in the report; the milestone mail comes in their language; the public page
    shows the news, the new count and, past a milestone, the prompt to share."""
    organiser = make_user(Role.ORGANISER, email="org@example.org", password="correct horse battery")
    organiser.locale = locale
    db.session.commit()
    make_petition(milestones="3")
    petition_id = db.session.scalars(select(Petition.id)).one()
    page = context(browser_locale).new_page()
    page.goto(f"/?lang={lang}")
    _sign_in(page, app, locale)
    (what, update_kind, answer_kind, no_answer, publish, name_label, add, csv_label, upload) = words(
        app, locale, "What is it?", "An update from us", "The target's answer",
        "Or: no answer after this many days", "Publish", "Name", "Add signature", "CSV file", "Upload")
    # One fieldset per language, each with its "Title": the Simplified Chinese inputs by name.
    title_zh, body_zh = page.locator('[name="title-zh_Hans"]'), page.locator('[name="body-zh_Hans"]')

    page.goto("/staff/petitions")
    watch, watching = words(app, locale, "Mail me at milestones", "You get a mail when a petition passes a milestone.")
    page.get_by_role("button", name=watch).click()
    expect(page.get_by_text(watching)).to_be_visible()

    page.goto(f"/staff/petitions/{petition_id}/updates")
    page.get_by_label(update_kind).check()
    title_zh.fill("递交了签名")
    body_zh.fill("我们把签名**递交**了。")
    page.get_by_role("button", name=publish).click()
    page.get_by_label(answer_kind).check()
    title_zh.fill("对方没有回应")
    page.get_by_label(no_answer).fill("30")
    page.get_by_role("button", name=publish).click()
    expect(page.get_by_role("heading", name="对方没有回应")).to_be_visible()

    page.goto(f"/staff/petitions/{petition_id}/paper")
    page.get_by_label(name_label, exact=True).fill("王小明")
    page.get_by_role("button", name=add).click()
    rows = "name,region\n李华,广州\n张三,北京\n,nobody\n".encode()
    page.get_by_role("button", name=csv_label).set_input_files(
        files=[{"name": "sheet.csv", "mimeType": "text/csv", "buffer": rows}])
    page.get_by_role("button", name=upload).click()
    expect(page.get_by_role("cell", name=words(app, locale, "No name.")[0])).to_be_visible()

    page.goto("/reports/petitions")
    by_source, paper_label = words(app, locale, "Signatures by source", "Paper")
    section = page.get_by_role("region", name=by_source)
    section.locator("summary").click()  # the figures' table, under the chart
    row = section.get_by_role("row").filter(has=page.get_by_role("cell", name=paper_label, exact=True))
    expect(row.get_by_role("cell").last).to_have_text("3")

    # The third signature passed the milestone: the organiser who asked is mailed, in their language.
    milestones.send_milestone_mails()
    wait_for_mail()
    title = "要求平台下架偷拍内容" if lang == "zh" else "Take down covert recordings"
    subject = words(app, locale, "%(count)s signatures: %(title)s")[0] % {"count": "3", "title": title}
    assert [str(mail["Subject"]) for mail in inbox.to("org@example.org")] == [subject]

    page.goto(f"/staff/petitions/{petition_id}/sheet")
    # In each language the petition is written in (Simplified Chinese and English).
    # The QR code's alt text is in the sheet's own language (its first, Simplified Chinese): a screen
    # reader reads an attribute in one voice; the caption beside it gives every language.
    expect(page.get_by_alt_text("扫码在线签名", exact=True)).to_be_visible()
    expect(page.locator("figcaption")).to_contain_text("扫码在线签名 · Scan to sign online")
    expect(page.get_by_role("columnheader", name="签名 Signature")).to_be_visible()
    from pypdf import PdfReader

    printed = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True))).pages[0].mediabox
    assert (round(printed.width), round(printed.height)) == (595, 842)  # A4, as the sheet's CSS asks

    if pdf.available():
        page.goto(f"/staff/petitions/{petition_id}/delivery")
        with page.expect_download() as download:
            page.locator(f'a[href$="delivery.pdf?language={locale.replace("_", "-")}"]').click()  # the reader's
        assert download.value.suggested_filename.endswith(".pdf")
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(download.value.path().read_bytes()))
        text = "".join(p.extract_text() for p in reader.pages)
        title = "要求平台下架偷拍内容" if lang == "zh" else "Take down covert recordings"
        assert title in text and "李*" in text and "李华" not in text  # paper names as initials

    public = context(browser_locale).new_page()
    public.goto(f"/petitions/takedown?lang={lang}")
    expect(public.locator("#signature-count")).to_have_text("3")
    expect(public.get_by_role("heading", name="递交了签名")).to_be_visible()  # no English title: Chinese shows
    prompt = words(app, locale, "We have passed %(count)s signatures! Help us reach the next step:")[0]
    expect(public.get_by_text(prompt % {"count": "3"})).to_be_visible()
    expect(public.get_by_text(words(app, locale, "No answer after %(days)d days.")[0] % {"days": 30})).to_be_visible()


@pytest.mark.parametrize(("lang", "browser_locale", "locale"), LANGS)
def test_follower_gets_news_and_the_answer_by_mail_and_stops_that_petitions_news_alone(
        app, live_server, context, make_user, inbox, lang, browser_locale, locale):
    """An organiser publishes an update and the target's answer; a signer who asked for this
    petition's news gets both by mail, in their language; the unsubscribe link under it, opened
    with scripts off, stops this petition's news alone: the newsletter they asked for keeps coming."""
    make_user(Role.ORGANISER, email="org@example.org", password="correct horse battery")
    petition = make_petition()
    # Confirmed the way the signing form confirms: news of this petition and the newsletter.
    db.session.add(Signature(petition_id=petition.id, email="mei@example.org", name="Mei Chen", updates=True,
                             newsletter=True, locale=locale, status="confirmed", confirmed_at=utcnow(),
                             mail_due=False))
    newsletter.subscribe_confirmed("mei@example.org", "Mei Chen", locale, source=f"petition:{petition.id}")
    db.session.commit()
    title = "要求平台下架偷拍内容" if lang == "zh" else "Take down covert recordings"
    news = "递交了签名" if lang == "zh" else "We delivered the signatures"
    (update_kind, answer_kind, publish, both, answer_subject, what, stop, gone, unsubscribe) = words(
        app, locale, "An update from us", "The target's answer", "Publish", "%(update)s · %(petition)s",
        "The answer to “%(title)s”", "news of the petition “%(title)s”", "Stop receiving %(what)s?",
        "You will receive no more %(what)s. Any other mail you asked us for keeps coming.", "Unsubscribe")

    page = context(browser_locale).new_page()
    page.goto(f"/?lang={lang}")
    _sign_in(page, app, locale)
    page.goto(f"/staff/petitions/{petition.id}/updates")

    def write(kind: str, titles: dict[str, str]) -> None:
        # The organisation's own language (Simplified Chinese) is required; English beside it.
        page.get_by_label(kind).check()
        for code, text in titles.items():
            page.locator(f"#title-{code}").fill(text)
            page.locator(f"#body-{code}").fill("…")
        page.get_by_role("button", name=publish).click()

    write(update_kind, {"zh_Hans": "递交了签名", "en": "We delivered the signatures"})
    write(answer_kind, {"zh_Hans": "平台回应了", "en": "The platform answered"})
    expect(page.get_by_role("heading", name="平台回应了" if lang == "zh" else "The platform answered")).to_be_visible()

    for _round in range(50):
        dispatch.run(budget=5)
        if len(inbox.to("mei@example.org")) >= 2:
            break
        time.sleep(0.1)
    subjects = sorted(str(mail["Subject"]) for mail in inbox.to("mei@example.org"))
    assert subjects == sorted([both % {"update": news, "petition": title}, answer_subject % {"title": title}])
    mail = inbox.last_to("mei@example.org")
    link = re.search(r"<(http://[^>]+/newsletter/unsubscribe/[^>]+)>", mail["List-Unsubscribe"]).group(1)

    follower = context(browser_locale).new_page()
    follower.goto(urlsplit(link).path)
    leaving = what % {"title": title}
    expect(follower.get_by_role("heading", name=stop % {"what": leaving})).to_be_visible()
    follower.get_by_role("button", name=unsubscribe, exact=True).click()
    expect(follower.get_by_text(gone % {"what": leaving})).to_be_visible()
    db.session.expire_all()
    assert db.session.scalars(select(Signature.updates)).one() is False
    subscriber = db.session.scalars(select(Subscriber)).one()
    assert subscriber.status == "confirmed" and subscriber.general is True
