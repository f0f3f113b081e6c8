"""A petition's later life: updates and answers to signers who asked, paper signatures, the
delivery PDF, the embeddable page and badge, and milestones."""
from __future__ import annotations

import csv
import io
import os
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from campaign.audit.models import AuditEvent
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import dispatch
from campaign.newsletter import services as newsletter
from campaign.newsletter.models import Issue, Subscriber
from campaign.petitions import milestones, pdf
from campaign.petitions.models import MilestonePassed, Petition, Signature
from campaign.security import _CSP
from campaign.worker import run_once
from tests.conftest import Inbox, deliver_now
from tests.petitions_support import mailed_paths, make_petition, send_mail, sign, sign_and_confirm


def _actions() -> list[str]:
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _send_newsletters() -> None:
    for _round in range(5):
        dispatch.run(budget=2)
        for issue_id in dispatch.sending_issue_ids():
            dispatch._finish_or_pause(issue_id)


def _recipients(inbox: Inbox) -> list[str]:
    return [address for _sender, addresses in inbox.envelopes for address in addresses]


def _petition() -> Petition:
    return db.session.scalars(select(Petition)).one()


# --- updates and answers ------------------------------------------------------------------------


def test_update_reaches_only_signers_who_asked_and_shows_on_the_cached_page(app, client, inbox, login_as):
    """An update shows on the (cached) petition page at once and is mailed, with one-click
    unsubscribe, to signers who ticked "news of this petition", and to nobody else; a signer who
    asked only for this petition's news gets no general newsletter."""
    make_petition()
    sign_and_confirm(app, client, inbox, "follower@example.org", updates="y")
    sign_and_confirm(app, client, inbox, "quiet@example.org")
    sign_and_confirm(app, client, inbox, "reader@example.org", newsletter="y")
    before = client.get("/petitions/takedown").get_data(as_text=True)
    assert "平台已回复" not in before
    inbox.clear()

    organiser = login_as(Role.ORGANISER)
    petition = _petition()
    answer = organiser.post(f"/staff/petitions/{petition.id}/updates", data={
        "kind": "update", "title-zh_Hans": "平台已回复", "title-en": "The platform replied",
        "body-zh_Hans": "我们收到了**回复**。", "body-en": "We got a **reply**.", "mail": "y",
    })
    assert answer.status_code == 303
    assert "petition.update" in _actions()
    zh = client.get("/petitions/takedown").get_data(as_text=True)
    assert "平台已回复" in zh and "<strong>回复</strong>" in zh
    en = client.get("/petitions/takedown?lang=en").get_data(as_text=True)
    assert "The platform replied" in en

    issue = db.session.scalars(select(Issue)).one()
    assert issue.segment == f"petition-updates:{petition.id}"
    # A subject per configured language, in its own words; 繁體 readers get the Simplified texts.
    simplified = "平台已回复｜要求平台下架偷拍内容"
    assert issue.subject == {"zh_Hans": simplified, "zh_Hant": simplified,
                             "en": "The platform replied · Take down covert recordings"}
    _send_newsletters()
    assert _recipients(inbox) == ["follower@example.org"]
    mail = inbox.last_to("follower@example.org")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "平台已回复" in str(mail["Subject"])

    # A general issue goes to the newsletter reader, not to the follower of this petition alone.
    inbox.clear()
    organiser_user = _user(organiser)
    general = newsletter.create_issue(newsletter.IssueData(subject={"en": "Newsletter"}, body={"en": "News"}),
                                      organiser_user)
    assert newsletter.start_send(general.id, organiser_user) == 1
    _send_newsletters()
    assert _recipients(inbox) == ["reader@example.org"]


def _post_update(organiser, petition_id: int, **fields: str) -> None:
    data = {"kind": "update", "title-zh_Hans": "进展", "title-en": "Progress", "body-zh_Hans": "有进展。",
            "body-en": "Progress.", "mail": "y", **fields}
    assert organiser.post(f"/staff/petitions/{petition_id}/updates", data=data).status_code == 303


def test_unsubscribing_under_a_petitions_news_stops_that_news_alone(app, client, inbox, login_as):
    """The one-click unsubscribe (RFC 8058: a bare POST, no cookie) under one petition's news stops
    that petition's news; the newsletter and another petition's news keep coming. The page says
    what stops, in the reader's language, and offers leaving everything instead."""
    make_petition()
    make_petition(slug="other", title={"zh_Hans": "另一份请愿", "en": "Another petition"})
    sign_and_confirm(app, client, inbox, "both@example.org", updates="y", newsletter="y")
    assert sign(client, "other", "both@example.org", updates="y").status_code == 303
    send_mail(app)
    assert client.post(mailed_paths(inbox, "both@example.org")[0], data={}).status_code == 303
    takedown, other = (db.session.scalars(select(Petition.id).where(Petition.slug == slug)).one()
                       for slug in ("takedown", "other"))
    inbox.clear()
    organiser = login_as(Role.ORGANISER)
    _post_update(organiser, takedown)
    _send_newsletters()
    mail = inbox.last_to("both@example.org")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.search(r"<(http://[^>]+/newsletter/unsubscribe/[^>]+)>", mail["List-Unsubscribe"]).group(1)
    path = urlsplit(url).path
    assert any(urlsplit(link).path == path for link in Inbox.links(mail))  # the link in the text too

    bare = app.test_client(use_cookies=False)
    # The mail's preferences link opens this subscriber's preferences; leaving the newsletter there
    # means the whole list, not this petition's news.
    prefs = next(urlsplit(link).path for link in Inbox.links(mail) if "/newsletter/preferences/" in link)
    shown = bare.get(prefs).get_data(as_text=True)
    leave_list = re.search(r'action="(/newsletter/unsubscribe/[^"]+)"', shown).group(1)
    assert leave_list != path and "退订通讯" in shown
    shown = bare.get(path + "?lang=en").get_data(as_text=True)
    assert "Stop receiving news of the petition “Take down covert recordings”?" in shown
    assert "请愿“要求平台下架偷拍内容”的最新消息" in bare.get(path).get_data(as_text=True)
    done = bare.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and "Location" not in done.headers
    assert "请愿“要求平台下架偷拍内容”的最新消息" in done.get_data(as_text=True)
    db.session.expire_all()
    subscriber = db.session.scalars(select(Subscriber)).one()
    assert subscriber.status == "confirmed"
    follows = {pid: on for pid, on in db.session.execute(select(Signature.petition_id, Signature.updates))}
    assert follows == {takedown: False, other: True}

    inbox.clear()
    _post_update(organiser, takedown)
    # Nobody follows that petition any more: the second update is not mailed at all.
    assert db.session.scalar(select(func.count()).select_from(Issue)
                             .where(Issue.segment == f"petition-updates:{takedown}")) == 1
    _post_update(organiser, other)
    organiser_user = _user(organiser)
    general = newsletter.create_issue(newsletter.IssueData(subject={"en": "Newsletter"}, body={"en": "News"}),
                                      organiser_user)
    newsletter.start_send(general.id, organiser_user)
    _send_newsletters()
    subjects = sorted(str(message["Subject"]) for message in inbox.messages)
    assert subjects == ["Newsletter", "进展｜另一份请愿"], subjects

    # Leaving everything from that page still works, one click as well.
    everything = re.search(r'href="(/newsletter/unsubscribe/[^"?]+)">或者退订我们的全部邮件</a>',
                           done.get_data(as_text=True)).group(1)
    assert everything != path
    assert bare.post(everything, data="List-Unsubscribe=One-Click",
                     content_type="application/x-www-form-urlencoded").status_code == 200
    db.session.expire_all()
    assert db.session.scalars(select(Subscriber)).one().status == "unsubscribed"


def test_the_targets_answer_is_mailed_to_signers_who_asked_in_their_language(app, client, inbox, login_as):
    """The answer goes, like an update, only to signers who asked for this petition's news."""
    make_petition()
    sign_and_confirm(app, client, inbox, "follower@example.org", updates="y")
    sign_and_confirm(app, client, inbox, "quiet@example.org", newsletter="y")
    db.session.scalars(select(Subscriber).where(Subscriber.email == "follower@example.org")).one().locale = "en"
    db.session.commit()
    inbox.clear()
    organiser = login_as(Role.ORGANISER)
    assert organiser.post(f"/staff/petitions/{_petition().id}/updates", data={
        "kind": "answer", "title-zh_Hans": "平台回应了", "title-en": "The platform answered",
        "body-zh_Hans": "他们同意下架。", "body-en": "They agreed to take it down.",
        "answered_on": "2026-03-08", "mail": "y"}).status_code == 303
    _send_newsletters()
    assert _recipients(inbox) == ["follower@example.org"]
    mail = inbox.last_to("follower@example.org")
    assert str(mail["Subject"]) == "The answer to “Take down covert recordings”"
    assert "They agreed to take it down." in Inbox.text(mail)
    page = client.get("/petitions/takedown").get_data(as_text=True)
    assert "平台回应了" in page and "于 2026-03-08 回应" in page and "他们同意下架。" in page
    assert "Answered on 2026-03-08" in client.get("/petitions/takedown?lang=en").get_data(as_text=True)


def _user(client):
    from campaign.auth.models import User

    with client.session_transaction() as sess:
        user_id = int(sess["_user_id"].split(":")[0])
    return db.session.get(User, user_id)


def test_following_a_petition_then_subscribing_to_the_newsletter_asks_for_confirmation(app, client, inbox):
    """A follower of one petition who then asks for the newsletter gets its confirmation link,
    not "you are subscribed already", and keeps the petition's news meanwhile."""
    make_petition()
    sign_and_confirm(app, client, inbox, "follower@example.org", updates="y")
    subscriber = db.session.scalars(select(Subscriber)).one()
    assert subscriber.general is False and subscriber.status == "confirmed"
    inbox.clear()
    assert client.post("/subscribe", data={"email": "follower@example.org", "name": ""}).status_code in (200, 303)
    deliver_now(app)
    link = next(url for url in Inbox.links(inbox.last_to("follower@example.org")) if "/subscribe/confirm/" in url)
    client.post(urlsplit(link).path, data={})
    db.session.expire_all()
    assert db.session.scalars(select(Subscriber)).one().general is True


def test_the_targets_answer_or_its_absence_shows_in_both_languages(app, client, login_as):
    """An answer is recorded with its date, or as "no answer after N days" with no text needed."""
    make_petition()
    organiser = login_as(Role.ORGANISER)
    petition = _petition()
    empty = organiser.post(f"/staff/petitions/{petition.id}/updates", data={
        "kind": "answer", "title-zh_Hans": "回应", "body-zh_Hans": ""})
    assert empty.status_code == 200 and "请填写回应内容" in empty.get_data(as_text=True)
    assert 'value="回应"' in empty.get_data(as_text=True)  # what was typed is kept
    done = organiser.post(f"/staff/petitions/{petition.id}/updates", data={
        "kind": "answer", "title-zh_Hans": "没有回应", "title-en": "No answer", "no_answer_days": "30", "mail": ""})
    assert done.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Issue)) == 0  # not mailed: box unticked
    assert "30 天后仍未回应" in client.get("/petitions/takedown").get_data(as_text=True)
    assert "No answer after 30 days." in client.get("/petitions/takedown?lang=en").get_data(as_text=True)


# --- paper signatures ---------------------------------------------------------------------------


def test_paper_signatures_count_follow_the_online_duplicate_rule_and_are_logged(app, client, inbox, login_as):
    """Staff add paper signatures one by one: counted at once, marked paper, audit-logged; an
    email that signed online is refused, while any number of signatures without email are kept."""
    make_petition()
    sign_and_confirm(app, client, inbox, "online@example.org")
    organiser = login_as(Role.ORGANISER)
    petition = _petition()
    url = f"/staff/petitions/{petition.id}/paper"
    for name in ("王小明", "李华"):
        assert organiser.post(url, data={"name": name, "region": "广州", "signed_on": "2026-03-08"}).status_code == 303
    dup = organiser.post(url, data={"name": "Someone", "email": "Online@Example.org"})
    assert dup.status_code == 400 and "这个邮箱已经签署过这份请愿" in dup.get_data(as_text=True)
    assert 'value="Someone"' in dup.get_data(as_text=True)
    future = organiser.post(url, data={"name": "Later", "signed_on": "2999-01-01"})
    assert future.status_code == 400
    db.session.expire_all()
    assert _petition().signature_count == 3
    paper = db.session.scalars(select(Signature).where(Signature.source == "paper")).all()
    assert len(paper) == 2 and all(s.status == "confirmed" and not s.mail_due for s in paper)
    assert _actions().count("petition.paper_add") == 2
    page = organiser.get(url).get_data(as_text=True)
    assert "网上 1 个，纸质 2 个，共 3 个" in page


def test_paper_csv_keeps_good_rows_reports_bad_ones_and_neutralises_formulas(app, client, inbox, login_as):
    """A CSV upload keeps every good row and lists each bad one with its line and reason; a
    formula typed as a name comes out of the delivery CSV as text."""
    make_petition()
    sign_and_confirm(app, client, inbox, "online@example.org")
    organiser = login_as(Role.ORGANISER)
    petition = _petition()
    rows = (
        "姓名,邮箱,地区,日期\n"
        "张三,,北京,2026-03-01\n"
        "=HYPERLINK(\"http://x\"),,上海,\n"
        ",nobody@example.org,,\n"
        "Dup,online@example.org,,\n"
        "Twice,twice@example.org,,\n"
        "Again,TWICE@example.org,,\n"
        "Bad date,,,March\n"
        "Bad mail,not-an-address,,\n"
    )
    response = organiser.post(f"/staff/petitions/{petition.id}/paper/import",
                              data={"file": (io.BytesIO(rows.encode()), "sheet.csv")},
                              content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已添加 3 个签名；5 行未保存。" in text
    reasons = ((4, "没有姓名"), (5, "已经签署过"), (7, "已经签署过"), (8, "日期无法识别"), (9, "邮箱地址无效"))
    for line, reason in reasons:
        assert re.search(rf"<td>{line}</td><td>[^<]*{re.escape(reason)}", text), (line, reason)
    db.session.expire_all()
    assert _petition().signature_count == 4
    assert "petition.paper_import" in _actions()
    exported = organiser.get(f"/staff/petitions/{petition.id}/delivery.csv").get_data(as_text=True)
    names = [row[1] for row in csv.reader(io.StringIO(exported.lstrip("\ufeff")))]
    assert not any(name.startswith("=") for name in names)


def test_signature_sheet_is_in_each_written_language_with_a_qr_code(app, login_as):
    """The printable sheet carries the petition in each configured language it is written in, the
    printed words in those languages too, and a QR code of the petition's address."""
    make_petition()
    organiser = login_as(Role.ORGANISER)
    page = organiser.get(f"/staff/petitions/{_petition().id}/sheet").get_data(as_text=True)
    assert "要求平台下架偷拍内容" in page and "Take down covert recordings" in page
    assert '<span lang="zh-Hans">签名</span> <span lang="en">Signature</span>' in page
    assert 'lang="zh-Hant"' not in page  # not written in Traditional Chinese: left out
    assert 'src="data:image/svg+xml;base64,' in page and "/petitions/takedown" in page


# --- the delivery PDF ---------------------------------------------------------------------------

needs_pdf = pytest.mark.skipif(
    not pdf.available() and not os.environ.get("REQUIRE_CHECKERS"),
    reason="WeasyPrint cannot run here (pango missing): `make system-deps` installs it",
)


@needs_pdf
def test_delivery_pdf_holds_the_chinese_title_names_and_total(app, client, inbox, login_as):
    """The PDF for the target has the petition in Chinese, each name as its signer chose, the total."""
    from pypdf import PdfReader

    make_petition()
    sign_and_confirm(app, client, inbox, "a@example.org", name="陈美玲", display="full")
    sign_and_confirm(app, client, inbox, "b@example.org", name="Hidden Person", display="anonymous")
    organiser = login_as(Role.ORGANISER)
    response = organiser.get(f"/staff/petitions/{_petition().id}/delivery.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "要求平台下架偷拍内容" in text and "陈美玲" in text
    assert "Hidden Person" not in text and "b@example.org" not in text
    assert "2" in text


@needs_pdf
def test_delivery_pdf_is_made_in_each_configured_language(app, login_as):
    """The delivery page offers a PDF per configured language; each is in that language's words,
    with the petition's text in it or, when not written, its fallback."""
    from pypdf import PdfReader

    make_petition()
    organiser = login_as(Role.ORGANISER)
    petition_id = _petition().id
    page = organiser.get(f"/staff/petitions/{petition_id}/delivery?lang=en").get_data(as_text=True)
    for tag in ("zh-Hans", "zh-Hant", "en"):
        assert f"delivery.pdf?language={tag}" in page
    texts = {}
    for tag in ("en", "zh-Hant"):
        response = organiser.get(f"/staff/petitions/{petition_id}/delivery.pdf?language={tag}")
        assert response.headers["Content-Disposition"].endswith(f'-signatures-{tag}.pdf"')
        texts[tag] = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Take down covert recordings" in texts["en"] and "Total" in texts["en"]
    assert "要求平台下架偷拍内容" in texts["zh-Hant"] and "簽名" in texts["zh-Hant"]


# --- embedding ----------------------------------------------------------------------------------


def test_embed_page_may_be_framed_only_by_its_origins_and_other_pages_keep_their_headers(app, client, login_as):
    """frame-ancestors names exactly the petition's sites on the embed pages, with no
    X-Frame-Options; the petition page and the rest keep the site's unframeable headers."""
    make_petition(embed_origins="https://partner.example\nhttp://localhost:8080")
    embed = client.get("/embed/petitions/takedown")
    assert embed.status_code == 200
    assert embed.headers["Content-Security-Policy"] == _CSP.replace(
        "frame-ancestors 'none'", "frame-ancestors https://partner.example http://localhost:8080")
    assert "X-Frame-Options" not in embed.headers
    for path in ("/petitions/takedown", "/", "/petitions/takedown/thanks"):
        page = client.get(path)
        assert page.headers["Content-Security-Policy"] == _CSP, path
        assert page.headers["X-Frame-Options"] == "DENY", path
    make_petition(slug="closed-to-all")
    assert client.get("/embed/petitions/closed-to-all").headers["Content-Security-Policy"] == _CSP


def test_organiser_origin_list_is_validated(app, login_as):
    """Only scheme://host[:port] origins are accepted; a path, a wildcard or a script are refused."""
    make_petition()
    organiser = login_as(Role.ORGANISER)
    petition = _petition()
    base = {"slug": "takedown", "status": "open", "goal": "100", "title-zh_Hans": "标题"}
    for bad in ("https://partner.example/page", "*", "javascript:alert(1)", "https://a.example;script-src *"):
        answer = organiser.post(f"/staff/petitions/{petition.id}/edit", data={**base, "embed_origins": bad})
        assert answer.status_code == 200 and "不是网站地址" in answer.get_data(as_text=True), bad
    good = organiser.post(f"/staff/petitions/{petition.id}/edit",
                          data={**base, "embed_origins": "HTTPS://Partner.example\nhttp://127.0.0.2:9000",
                                "milestones": "1000, 100"})
    assert good.status_code == 302
    db.session.expire_all()
    assert _petition().origin_list == ["https://partner.example", "http://127.0.0.2:9000"]
    assert _petition().milestones == "100,1000"


def test_embed_form_signs_without_any_session_cookie(app, inbox):
    """A visitor in a third-party frame sends none of our cookies: the form's own token is enough,
    a forged or missing one is refused with what was typed kept, and the mail confirms as usual."""
    make_petition(embed_origins="http://localhost:8080")
    app.config["FORM_MIN_SECONDS"] = 0
    framed = app.test_client(use_cookies=False)
    page = framed.get("/embed/petitions/takedown").get_data(as_text=True)
    token = re.search(r'name="embed_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"name": "Mei Chen", "email": "mei@example.org", "display": "full", "updates": "y"}
    bad = framed.post("/embed/petitions/takedown/sign", data={**data, "embed_token": "forged"})
    assert bad.status_code == 400 and 'value="Mei Chen"' in bad.get_data(as_text=True)
    other = make_petition(slug="other", embed_origins="http://localhost:8080")
    stolen = framed.post("/embed/petitions/other/sign", data={**data, "embed_token": token})
    assert stolen.status_code == 400 and other.id
    signed = framed.post("/embed/petitions/takedown/sign", data={**data, "embed_token": token})
    assert signed.status_code == 303 and "/embed/petitions/takedown/thanks" in signed.headers["Location"]
    assert "frame-ancestors http://localhost:8080" in signed.headers["Content-Security-Policy"]
    signature = db.session.scalars(select(Signature)).one()
    assert signature.updates is True and signature.status == "pending"
    run_once(app, {"petitions.confirmations"})
    deliver_now(app)
    assert any("/petition-confirm/" in link for link in Inbox.links(inbox.last_to("mei@example.org")))


def test_too_many_posts_from_one_address_are_told_inside_the_frame(app):
    """Many visitors share one address (Tor, a NAT): past the flood ceiling the answer is the
    embedded form again, framable by the partner, saying to wait and keeping what was typed."""
    make_petition(embed_origins="http://localhost:8080")
    app.config.update(FORM_MIN_SECONDS=0, PUBLIC_FORM_PER_MINUTE=2)
    framed = app.test_client(use_cookies=False)
    page = framed.get("/embed/petitions/takedown?lang=en").get_data(as_text=True)
    token = re.search(r'name="embed_token" type="hidden" value="([^"]+)"', page).group(1)
    answers = [framed.post("/embed/petitions/takedown/sign?lang=en", data={
        "name": "Mei Chen", "email": f"mei{n}@example.org", "display": "full", "embed_token": token})
        for n in range(3)]
    assert [a.status_code for a in answers] == [303, 303, 429]
    refused = answers[2]
    assert "frame-ancestors http://localhost:8080" in refused.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in refused.headers
    body = refused.get_data(as_text=True)
    assert "Too many attempts. Please wait and try again." in body and 'value="mei2@example.org"' in body
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 2


def test_embed_form_sent_faster_than_a_person_types_saves_nothing(app):
    """The time-to-submit check reads the embed token's own time: a bot's instant post is dropped."""
    make_petition()
    app.config["FORM_MIN_SECONDS"] = 60
    framed = app.test_client(use_cookies=False)
    page = framed.get("/embed/petitions/takedown").get_data(as_text=True)
    token = re.search(r'name="embed_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = framed.post("/embed/petitions/takedown/sign", data={
        "name": "Bot", "email": "bot@example.org", "display": "full", "embed_token": token})
    assert answer.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0


def test_badge_is_an_escaped_svg_readable_from_other_sites(app, client):
    """The badge is image/svg+xml with CORP cross-origin (that resource only) and a short public cache."""
    make_petition(signature_count=1234)
    badge = client.get("/embed/petitions/takedown/badge.svg?lang=en")
    assert badge.status_code == 200 and badge.mimetype == "image/svg+xml"
    assert badge.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "public" in badge.headers["Cache-Control"]
    assert "1,234" in badge.get_data(as_text=True)
    assert client.get("/petitions/takedown").headers["Cross-Origin-Resource-Policy"] == "same-origin"
    from campaign.petitions.embed import badge_svg

    assert "<script" not in badge_svg(1, "<script>x</script>")
    make_petition(slug="draft-one", status="draft")
    assert client.get("/embed/petitions/draft-one/badge.svg").status_code == 404


# --- milestones ---------------------------------------------------------------------------------


def test_milestone_passes_once_mails_watching_organisers_once_and_prompts_sharing(
        app, client, inbox, login_as, make_user):
    """Passing a milestone is recorded once (a withdrawal and a new signature do not repeat it),
    mailed once to organisers who opted in (not to others), and shown on the page."""
    make_petition(milestones="2")
    watcher = login_as(Role.ORGANISER)
    assert watcher.post("/staff/petitions/milestone-mail", data={"on": "1"}).status_code == 303
    bystander = make_user(Role.ORGANISER)
    sign_and_confirm(app, client, inbox, "a@example.org")
    assert "passed" not in client.get("/petitions/takedown?lang=en").get_data(as_text=True)
    sign_and_confirm(app, client, inbox, "b@example.org")
    sign_and_confirm(app, client, inbox, "c@example.org")
    assert db.session.scalar(select(func.count()).select_from(MilestonePassed)) == 1
    inbox.clear()
    assert milestones.send_milestone_mails() == 1
    assert milestones.send_milestone_mails() == 0
    deliver_now(app)
    watcher_email = _user(watcher).email
    assert _recipients(inbox) == [watcher_email]
    assert bystander.email not in _recipients(inbox)
    assert "We have passed 2 signatures" in client.get("/petitions/takedown?lang=en").get_data(as_text=True)


def test_paper_upload_passing_a_milestone_records_it(app, login_as):
    """Paper signatures count towards milestones too."""
    make_petition(milestones="2,3")
    organiser = login_as(Role.ORGANISER)
    data = "name\nA\nB\nC\n"
    organiser.post(f"/staff/petitions/{_petition().id}/paper/import",
                   data={"file": (io.BytesIO(data.encode()), "s.csv")}, content_type="multipart/form-data")
    db.session.expire_all()
    assert _petition().milestone_reached == 3
    assert [m.milestone for m in db.session.scalars(select(MilestonePassed))] == [3]


def test_reports_show_signatures_by_source(app, client, inbox, login_as):
    """The petitions report counts online and paper signatures apart, in its table and its CSV;
    paper ones stay out of the share-channel table and show no placeholder address in the raw list."""
    make_petition()
    sign_and_confirm(app, client, inbox, "online@example.org")
    organiser = login_as(Role.ORGANISER)
    petition = _petition()
    for name in ("甲", "乙"):
        organiser.post(f"/staff/petitions/{petition.id}/paper", data={"name": name})
    page = organiser.get("/reports/petitions?lang=en").get_data(as_text=True)
    assert "Signatures by source" in page and "Paper" in page
    rows = list(csv.reader(io.StringIO(organiser.get("/reports/petitions/by_source.csv?lang=en")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(rows[1:]) == [["Online", "1"], ["Paper", "2"]]
    channel = list(csv.reader(io.StringIO(organiser.get("/reports/petitions/by_channel.csv")
                                          .get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[1] for row in channel[1:]] == ["1"]  # the online signature alone
    raw = organiser.get("/reports/raw/signatures.csv").get_data(as_text=True)
    assert "paper-" not in raw


def test_paper_csv_with_control_characters_or_a_broken_shape_is_reported_not_a_crash(app, login_as):
    """A NUL (which PostgreSQL cannot store) or a cell too long for CSV is that row's problem, told in
    the organiser's language; the good rows are kept; an upload that is not CSV at all says so."""
    make_petition()
    organiser = login_as(Role.ORGANISER)
    url = f"/staff/petitions/{_petition().id}/paper/import"
    rows = "name,region\nGood,北京\nNul\x00name,上海\nRegion,广\x00州\n" + "Long," + "x" * 200_000 + "\nLast,\n"
    response = organiser.post(url, data={"file": (io.BytesIO(rows.encode()), "sheet.csv")},
                              content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text[:500]
    assert "已添加 2 个签名；3 行未保存。" in text
    for line, reason in ((3, "不可见控制字符"), (4, "不可见控制字符"), (5, "无法按 CSV 读取")):
        assert re.search(rf"<td>{line}</td><td>[^<]*{re.escape(reason)}", text), (line, reason)
    db.session.expire_all()
    assert _petition().signature_count == 2
    assert sorted(db.session.scalars(select(Signature.name))) == ["Good", "Last"]
    binary = organiser.post(url, data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\xff"), "sheet.csv")},
                            content_type="multipart/form-data")
    assert binary.status_code == 400 and "UTF-8" in binary.get_data(as_text=True)


def test_paper_signature_racing_an_online_one_is_a_duplicate_not_a_crash(app, client, inbox, login_as, monkeypatch):
    """An address that signs online just after the paper duplicate check (simulated: the check
    misses it once) is refused by the unique key and reported as a duplicate, never a 500; the
    file's other rows are kept."""
    from campaign.petitions import life

    make_petition()
    sign_and_confirm(app, client, inbox, "online@example.org")
    organiser = login_as(Role.ORGANISER)
    petition_id = _petition().id
    real = life._existing_emails
    calls: list[int] = []

    def late(pid: int, emails: list[str]) -> set[str]:
        calls.append(pid)
        return set() if len(calls) == 1 else real(pid, emails)

    monkeypatch.setattr(life, "_existing_emails", late)
    rows = "name,email\nLate,online@example.org\nFresh,fresh@example.org\n"
    response = organiser.post(f"/staff/petitions/{petition_id}/paper/import",
                              data={"file": (io.BytesIO(rows.encode()), "sheet.csv")},
                              content_type="multipart/form-data")
    assert response.status_code == 200 and "已添加 1 个签名；1 行未保存。" in response.get_data(as_text=True)
    calls.clear()
    one = organiser.post(f"/staff/petitions/{petition_id}/paper", data={"name": "Late", "email": "online@example.org"})
    assert one.status_code == 400 and "这个邮箱已经签署过这份请愿" in one.get_data(as_text=True)
    db.session.expire_all()
    assert _petition().signature_count == 2
    assert _actions().count("petition.paper_import") == 1


def _sample(converter: object, petition_id: int) -> object:
    """A value a route's converter accepts: the petition's id, one of an `any(...)`, or its slug."""
    from werkzeug.routing import AnyConverter, IntegerConverter

    if isinstance(converter, IntegerConverter):
        return petition_id
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "takedown"


def test_every_page_but_the_embed_pages_stays_unframeable(app, client, login_as):
    """Walk every GET route of the app (as an organiser, with a petition whose embed lists a
    partner): only the embed pages name that partner in frame-ancestors; every other answer,
    errors included, keeps the site's CSP unchanged and X-Frame-Options: DENY."""
    make_petition(embed_origins="https://partner.example")
    organiser = login_as(Role.ORGANISER)
    petition_id = _petition().id
    framed = set()
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static" or re.search(r"log_?out|sign_?out",
                                                                                      rule.rule):
            continue
        values = {name: _sample(rule._converters[name], petition_id) for name in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            path = url_for(rule.endpoint, **values)
        response = organiser.get(path)
        response.get_data()  # a streamed export runs to its end and leaves its context
        csp = response.headers.get("Content-Security-Policy")
        checked += 1
        if rule.endpoint.startswith("petitions.embed") and response.status_code == 200:
            assert csp == _CSP.replace("frame-ancestors 'none'", "frame-ancestors https://partner.example"), path
            assert "X-Frame-Options" not in response.headers, path
            framed.add(rule.endpoint)
            continue
        assert csp == _CSP, (path, response.status_code, csp)
        assert response.headers.get("X-Frame-Options") == "DENY", path
    assert framed == {"petitions.embed_page", "petitions.embed_thanks"} and checked > 50, (framed, checked)
