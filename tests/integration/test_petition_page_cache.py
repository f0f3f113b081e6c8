"""The cached petition page (campaign/petitions/page.py): always the current count, signers and
text in each language, a working CSRF token, and 304 only to the visitor who holds the page."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.petitions.models import Petition
from tests.conftest import Client, Inbox
from tests.petitions_support import count, make_petition, sign_and_confirm

PAGE = "/petitions/takedown"
LANGS = (("zh", "要求平台下架偷拍内容", "confirmed signatures"), ("en", "Take down covert recordings", ""))


def _browser(app: Flask) -> FlaskClient:
    """A visitor of their own (a cookie jar), who posts the token the page gave them."""
    app.test_client_class = Client
    return app.test_client()


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "the sign form carries no CSRF token"
    return found.group(1)


def _count_shown(html: str) -> str:
    found = re.search(r'id="signature-count">([^<]+)<', html)
    assert found
    return found.group(1)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cached_page_shows_the_new_count_and_signer_after_a_confirmation(
    app: Flask, client: FlaskClient, inbox: Inbox, lang: str
) -> None:
    """A page seen before a confirmation shows the new count and the new signer right after it."""
    petition = make_petition()
    visitor = _browser(app)
    before = visitor.get(f"{PAGE}?lang={lang}").get_data(as_text=True)
    assert _count_shown(before) == "0" and "Ann Lee" not in before
    sign_and_confirm(app, client, inbox, "ann@example.org", display="full")
    after = visitor.get(f"{PAGE}?lang={lang}").get_data(as_text=True)
    assert _count_shown(after) == "1" and 'value="1"' in after
    assert "Ann Lee" in after
    assert count(petition.id) == 1


def test_cached_page_shows_the_new_text_after_an_edit_in_each_language(
    app: Flask, client: FlaskClient, login_as: object
) -> None:
    """An organiser's edit shows at once in both languages, on a page already served from cache."""
    petition = make_petition()
    for lang, title, _word in LANGS:
        assert title in client.get(f"{PAGE}?lang={lang}").get_data(as_text=True)
    organiser = login_as(Role.ORGANISER)  # type: ignore[operator]
    response = organiser.post(f"/staff/petitions/{petition.id}/edit", data={
        "slug": "takedown", "status": "open", "goal": "100",
        "title-zh_Hans": "新的中文标题", "title-en": "A new English title",
        "body-zh_Hans": "新的正文", "body-en": "New body"})
    assert response.status_code == 302
    zh = client.get(f"{PAGE}?lang=zh").get_data(as_text=True)
    en = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert "新的中文标题" in zh and "新的正文" in zh and "要求平台下架偷拍内容" not in zh
    assert "A new English title" in en and "New body" in en and "Take down covert recordings" not in en
    # Closing the petition takes the form away at once too.
    petition = db.session.get(Petition, petition.id)
    assert petition is not None
    organiser.post(f"/staff/petitions/{petition.id}/edit", data={
        "slug": "takedown", "status": "closed", "goal": "100", "title-zh_Hans": "新的中文标题"})
    closed = client.get(PAGE).get_data(as_text=True)
    assert 'name="csrf_token"' not in closed


def test_each_visitor_gets_their_own_token_and_it_signs(app: Flask, inbox: Inbox) -> None:
    """Two visitors of one cached page get different tokens, and each token signs for its holder."""
    make_petition()
    first, second = _browser(app), _browser(app)
    page_one = first.get(PAGE).get_data(as_text=True)
    page_two = second.get(PAGE).get_data(as_text=True)
    token_one, token_two = _token(page_one), _token(page_two)
    assert token_one != token_two
    data = {"name": "Ann Lee", "email": "ann@example.org", "display": "full", "csrf_token": token_one}
    assert first.post(f"{PAGE}/sign", data=data).status_code == 303
    # The other visitor's token is refused for this visitor.
    stolen = {"name": "Bo Li", "email": "bo@example.org", "display": "full", "csrf_token": token_two}
    assert first.post(f"{PAGE}/sign", data=stolen).status_code == 400


def test_etag_gives_304_to_the_same_visitor_only_and_changes_with_the_count(
    app: Flask, client: FlaskClient, inbox: Inbox
) -> None:
    """Revalidating an unchanged page costs a 304; another visitor or a new count gets the page."""
    make_petition()
    visitor = _browser(app)
    first = visitor.get(PAGE)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    assert "private" in first.headers["Cache-Control"] and "no-cache" in first.headers["Cache-Control"]
    again = visitor.get(PAGE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    # The token kept from the first answer still signs after the 304.
    data = {"name": "Ann Lee", "email": "ann@example.org", "display": "full",
            "csrf_token": _token(first.get_data(as_text=True))}
    assert visitor.post(f"{PAGE}/sign", data=data).status_code == 303

    # Someone else presenting that ETag holds no page with their own token: they get the page.
    other = _browser(app).get(PAGE, headers={"If-None-Match": etag})
    assert other.status_code == 200 and _token(other.get_data(as_text=True))

    sign_and_confirm(app, client, inbox, "bo@example.org")
    changed = visitor.get(PAGE, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and _count_shown(changed.get_data(as_text=True)) == "1"
    assert changed.headers["ETag"] != etag


def test_signed_in_staff_and_flashed_messages_get_the_page_rendered_for_them(
    app: Flask, client: FlaskClient, login_as: object
) -> None:
    """The shared rendering never carries a staff member's menu, nor a staff page the public's."""
    make_petition()
    make_petition(slug="draft-one", status="draft", title={"zh_Hans": "草稿请愿"})
    assert "/logout" not in client.get(PAGE).get_data(as_text=True)
    organiser = login_as(Role.ORGANISER)  # type: ignore[operator]
    assert "/logout" in organiser.get(PAGE).get_data(as_text=True)
    assert "草稿请愿" in organiser.get("/petitions/draft-one").get_data(as_text=True)
    assert "/logout" not in client.get(PAGE).get_data(as_text=True)
    assert client.get("/petitions/draft-one").status_code == 404
    assert client.get("/petitions/nothing-here").status_code == 404


def test_links_with_a_channel_keep_it_in_the_form_and_language_links(app: Flask, client: FlaskClient) -> None:
    """?src= is carried into the form; unknown channels and other parameters are dropped or ignored."""
    make_petition()
    tagged = client.get(f"{PAGE}?src=weibo").get_data(as_text=True)
    assert 'name="src" type="hidden" value="weibo"' in tagged
    assert "src=weibo&amp;lang=en" in tagged
    plain = client.get(PAGE).get_data(as_text=True)
    assert 'name="src" type="hidden" value=""' in plain
    odd = client.get(f"{PAGE}?src=nowhere&x=1")
    assert odd.status_code == 200 and 'name="src" type="hidden" value=""' in odd.get_data(as_text=True)


def test_a_hidden_signature_leaves_a_cached_page_at_once(
    app: Flask, client: FlaskClient, inbox: Inbox, login_as: object
) -> None:
    """Hiding a signer takes them off the page already cached in this process."""
    petition = make_petition()
    signature = sign_and_confirm(app, client, inbox, "ann@example.org", display="full", comment="加油")
    assert "Ann Lee" in client.get(PAGE).get_data(as_text=True)
    organiser = login_as(Role.ORGANISER)  # type: ignore[operator]
    base = f"/staff/petitions/{petition.id}/signatures"
    assert organiser.post(f"{base}/{signature.id}/hide/signature", data={}).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "Ann Lee" not in page and _count_shown(page) == "1"


def test_the_page_is_rendered_once_per_petition_and_language(app: Flask, client: FlaskClient) -> None:
    """Refreshes reuse the rendering; a language or an edit renders anew."""
    from flask import template_rendered

    make_petition()
    rendered: list[str] = []

    def record(_app: Flask, template: object, context: object, **_kw: object) -> None:
        rendered.append(getattr(template, "name", ""))

    template_rendered.connect(record, app)
    try:
        for _ in range(3):
            client.get(PAGE)
        client.get(f"{PAGE}?lang=en")
        client.get(f"{PAGE}?lang=en")
    finally:
        template_rendered.disconnect(record, app)
    assert rendered.count("petitions/show.html") == 2  # once in Chinese, once in English


@pytest.mark.parametrize("lang,shown", [("zh", "目前已有 {} 个确认的签名"), ("en", "{} confirmed signatures so far")])
def test_thanks_page_shows_the_new_count_and_the_outcome_in_each_language(
    app: Flask, client: FlaskClient, inbox: Inbox, lang: str, shown: str
) -> None:
    """The shared thanks page keeps the signer's outcome message and shows the current count."""
    make_petition()
    first = client.get(f"{PAGE}/thanks?signed=new&lang={lang}")
    assert first.status_code == 200 and shown.format(0) in first.get_data(as_text=True)
    sign_and_confirm(app, client, inbox, "ann@example.org")
    page = client.get(f"{PAGE}/thanks?signed=new&lang={lang}").get_data(as_text=True)
    assert shown.format(1) in page
    assert client.get(f"{PAGE}/thanks?signed=new&lang={lang}", headers={"If-None-Match": first.headers["ETag"]}
                      ).status_code == 200  # the count changed: a new page, not a 304
    closed = client.get(f"{PAGE}/thanks?signed=closed&lang=en").get_data(as_text=True)
    assert "no longer takes signatures" in closed


def test_a_count_changed_by_another_process_shows_within_the_page_period(app: Flask, client: FlaskClient) -> None:
    """Another process's confirmations reach this process's page once PETITION_PAGE_SECONDS pass."""
    make_petition()
    assert _count_shown(client.get(PAGE).get_data(as_text=True)) == "0"
    # As another process would: the row changes, no signal reaches this one.
    db.session.execute(Petition.__table__.update().values(signature_count=42))
    db.session.commit()
    app.config["PETITION_PAGE_SECONDS"] = 0
    assert _count_shown(client.get(PAGE).get_data(as_text=True)) == "42"


def _through_flask(app: Flask) -> list[str]:
    """Paths of the requests that reach Flask's request machinery from now on."""
    seen: list[str] = []

    def note() -> None:
        from flask import request

        seen.append(request.full_path)

    app.before_request_funcs.setdefault(None, []).insert(0, note)
    return seen


def test_a_kept_page_is_answered_before_flask_as_flask_answers_it(app: Flask, inbox: Inbox) -> None:
    """The rush path gives a new visitor what Flask gives (headers, page, a cookie and a token that
    sign), without the request reaching Flask; HEAD and 304 too."""
    make_petition()
    seen = _through_flask(app)
    by_flask = _browser(app).get(PAGE)  # renders and keeps the page
    assert len(seen) == 1
    visitor = _browser(app)
    kept = visitor.get(PAGE)
    assert len(seen) == 1, "a kept page went through Flask"

    def comparable(headers: object) -> list[tuple[str, str]]:
        return [(k, v) for k, v in headers if k not in ("ETag", "Set-Cookie")]  # type: ignore[attr-defined]

    assert kept.status_code == 200 and comparable(kept.headers) == comparable(by_flask.headers)
    assert kept.headers["Content-Security-Policy"] and kept.headers["X-Frame-Options"] == "DENY"
    cookie = kept.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    def without_token(html: str) -> str:
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)

    assert without_token(kept.get_data(as_text=True)) == without_token(by_flask.get_data(as_text=True))

    head = visitor.head(PAGE)
    assert head.status_code == 200 and head.get_data() == b"" and head.headers["ETag"] == kept.headers["ETag"]
    assert visitor.get(PAGE, headers={"If-None-Match": kept.headers["ETag"]}).status_code == 304
    assert len(seen) == 1
    data = {"name": "Ann Lee", "email": "ann@example.org", "display": "full",
            "csrf_token": _token(kept.get_data(as_text=True))}
    assert visitor.post(f"{PAGE}/sign", data=data).status_code == 303
    thanks = visitor.get(f"{PAGE}/thanks?signed=new&lang=en")
    assert thanks.status_code == 200 and "check your mail" in thanks.get_data(as_text=True)


def test_the_rush_path_leaves_everyone_else_to_flask(app: Flask, client: FlaskClient, login_as: object) -> None:
    """A forged session, a signed-in session, a language change, other query strings and
    a stale row all go through Flask, which answers them as before."""
    make_petition()
    client.get(PAGE)  # the page is kept
    seen = _through_flask(app)
    _browser(app)
    forged = app.test_client(use_cookies=False).get(PAGE, headers={"Cookie": "session=eyJjc3JmX3Rva2VuIjoiYSJ9.x.y"})
    assert forged.status_code == 200 and _token(forged.get_data(as_text=True))
    assert _browser(app).get(f"{PAGE}?x=1").status_code == 200
    assert _browser(app).get(f"{PAGE}?lang=en").headers["Set-Cookie"].startswith("lang=en")
    assert len(seen) == 3
    organiser = login_as(Role.ORGANISER)  # type: ignore[operator]
    assert "/logout" in organiser.get(PAGE).get_data(as_text=True)
    assert len(seen) == 4
    app.config["PETITION_PAGE_SECONDS"] = 0
    _browser(app).get(PAGE)
    assert len(seen) == 5


def test_kept_pages_are_per_locale_code_so_traditional_readers_get_their_own(app: Flask) -> None:
    """A page kept for a zh_Hant reader (Accept-Language zh-TW) shows the Traditional text and is
    answered before Flask to the next zh_Hant reader; a zh_Hans reader gets a page of their own."""
    make_petition(title={"zh_Hans": "简体标题", "zh_Hant": "繁體標題", "en": "English title"})
    seen = _through_flask(app)
    traditional = {"Accept-Language": "zh-TW,zh;q=0.8"}
    first = _browser(app).get(PAGE, headers=traditional).get_data(as_text=True)
    kept = _browser(app).get(PAGE, headers=traditional).get_data(as_text=True)
    assert len(seen) == 1, "the kept zh_Hant page went through Flask"
    assert "<h1>繁體標題</h1>" in first and "<h1>繁體標題</h1>" in kept
    simplified = _browser(app).get(PAGE, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert len(seen) == 2 and "<h1>简体标题</h1>" in simplified and "繁體標題" not in simplified
