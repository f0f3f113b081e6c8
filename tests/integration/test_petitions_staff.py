"""Organisers: editing petitions, the signature list, hiding, delivery exports, permissions."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from campaign.audit.models import AuditEvent
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.petitions.models import Petition, Signature
from tests.petitions_support import make_petition, sign, sign_and_confirm

STAFF_PAGES = [
    "/staff/petitions",
    "/staff/petitions/new",
    "/staff/petitions/{id}/edit",
    "/staff/petitions/{id}/signatures",
    "/staff/petitions/{id}/delivery",
    "/staff/petitions/{id}/delivery.csv",
]


def _csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def _actions() -> list[str]:
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_only_organisers_and_admins_reach_petition_staff_pages(app, client, login_as):
    """Visitors are sent to sign in, caseworkers are refused, organisers and admins get in."""
    petition = make_petition()
    pages = [p.format(id=petition.id) for p in STAFF_PAGES]
    for page in pages:
        assert client.get(page).status_code == 302, page
    caseworker = login_as(Role.CASEWORKER)
    for page in pages:
        assert caseworker.get(page).status_code == 403, page
    assert caseworker.post(f"/staff/petitions/{petition.id}/export-full.csv", data={}).status_code == 403
    for role in (Role.ORGANISER, Role.ADMIN):
        staff = login_as(role)
        for page in pages:
            assert staff.get(page).status_code == 200, (role, page)


def test_organiser_creates_a_bilingual_petition_with_sanitised_markdown(app, login_as):
    """An organiser writes both languages; the Markdown shows as formatting and scripts are removed."""
    organiser = login_as(Role.ORGANISER)
    response = organiser.post("/staff/petitions/new", data={
        "slug": "hotline", "status": "open", "goal": "100",
        "title-zh_Hans": "设立举报专线", "title-en": "Open a reporting hotline",
        "body-zh_Hans": "**要求**<script>alert(1)</script>",
        "body-en": "We **demand** [a hotline](javascript:alert(1))",
        "target-zh_Hans": "平台", "target-en": "Platforms",
    })
    assert response.status_code == 302
    zh = organiser.get("/petitions/hotline").get_data(as_text=True)
    assert "<strong>要求</strong>" in zh and "<script>alert(1)" not in zh
    en = organiser.get("/petitions/hotline?lang=en").get_data(as_text=True)
    assert "Open a reporting hotline" in en and "<strong>demand</strong>" in en
    assert "javascript:" not in en
    petition = db.session.scalars(select(Petition)).one()
    assert "petition.create" in _actions()

    # Editing keeps the slug unique.
    make_petition(slug="taken")
    clash = organiser.post(f"/staff/petitions/{petition.id}/edit", data={
        "slug": "taken", "status": "open", "goal": "100", "title-zh_Hans": "x"})
    assert clash.status_code == 200 and 'aria-invalid="true"' in clash.get_data(as_text=True)


def test_hidden_signature_and_hidden_comment_leave_the_public_page(app, client, inbox, login_as):
    """Organisers can hide a signature or only its comment; each action is audit-logged."""
    petition = make_petition()
    first = sign_and_confirm(app, client, inbox, "a@example.org", name="Troll Name", comment="spam comment")
    second = sign_and_confirm(app, client, inbox, "b@example.org", name="Kind Person", comment="rude words")
    organiser = login_as(Role.ORGANISER)
    base = f"/staff/petitions/{petition.id}/signatures"
    assert organiser.post(f"{base}/{first.id}/hide/signature", data={}).status_code == 302
    assert organiser.post(f"{base}/{second.id}/hide/comment", data={}).status_code == 302
    page = client.get("/petitions/takedown").get_data(as_text=True)
    assert "Troll Name" not in page and "spam comment" not in page
    assert "Kind Person" in page and "rude words" not in page
    assert client.get("/petitions/takedown.json").json["count"] == 2  # hidden still counts
    assert _actions()[-2:] == ["petition.signature.hide", "petition.comment.hide"]
    # Without a CSRF token nothing changes.
    assert organiser.post(f"{base}/{second.id}/show/comment", data={}, csrf=False).status_code == 400


def test_signature_list_searches_and_filters(app, client, inbox, login_as):
    """Organisers find signatures by name, exact email, status and channel."""
    petition = make_petition()
    sign_and_confirm(app, client, inbox, "mei@example.org", name="Mei Chen", src="weibo")
    sign(client, email="lin@example.org", name="Lin Wong", src="telegram")
    organiser = login_as(Role.ORGANISER)
    base = f"/staff/petitions/{petition.id}/signatures"
    by_name = organiser.get(f"{base}?q=Mei").get_data(as_text=True)
    assert "Mei Chen" in by_name and "Lin Wong" not in by_name
    by_email = organiser.get(f"{base}?q=LIN@example.org").get_data(as_text=True)
    assert "Lin Wong" in by_email and "Mei Chen" not in by_email
    pending = organiser.get(f"{base}?status=pending").get_data(as_text=True)
    assert "Lin Wong" in pending and "Mei Chen" not in pending
    weibo = organiser.get(f"{base}?src=weibo").get_data(as_text=True)
    assert "Mei Chen" in weibo and "Lin Wong" not in weibo
    assert "mei@example.org" not in weibo  # the list does not reveal addresses


def test_delivery_exports_show_signers_as_chosen_with_the_total(app, client, inbox, login_as):
    """The delivery CSV and page list confirmed signers as they chose to appear, and the total."""
    petition = make_petition()
    sign_and_confirm(app, client, inbox, "a@example.org", name="Jane Doe", display="initials", region="上海")
    sign_and_confirm(app, client, inbox, "b@example.org", name="Open Name", display="full")
    sign_and_confirm(app, client, inbox, "c@example.org", name="Hidden Name", display="anonymous")
    sign(client, email="pending@example.org", name="Pending Name")
    organiser = login_as(Role.ORGANISER)
    rows = _csv(organiser.get(f"/staff/petitions/{petition.id}/delivery.csv"))
    assert rows[1][1:3] == ["J. D.", "上海"]
    assert rows[2][1] == "Open Name"
    assert rows[3][1] == ""
    assert rows[-1][:2] == ["Total", "3"] or rows[-1][:2] == ["合计", "3"]
    flat = str(rows)
    assert "Pending Name" not in flat and "@example.org" not in flat and "Hidden Name" not in flat
    page = organiser.get(f"/staff/petitions/{petition.id}/delivery").get_data(as_text=True)
    assert "J. D." in page and "Open Name" in page and "Hidden Name" not in page and "@example.org" not in page


def test_exports_neutralise_spreadsheet_formulas(app, client, inbox, login_as):
    """A name or comment starting with = is written inert in the delivery and full exports."""
    petition = make_petition()
    formula = "=cmd|' /C calc'!A0"
    sign_and_confirm(app, client, inbox, "f@example.org", name=formula, display="full", comment="+SUM(A1)")
    organiser = login_as(Role.ORGANISER)
    delivery = _csv(organiser.get(f"/staff/petitions/{petition.id}/delivery.csv"))
    assert delivery[1][1] == "'" + formula
    full = _csv(organiser.post(f"/staff/petitions/{petition.id}/export-full.csv", data={}))
    assert full[1][0] == "f@example.org"
    assert full[1][1] == "'" + formula and full[1][4] == "'+SUM(A1)"


def test_full_export_with_emails_is_a_logged_post_only_action(app, client, inbox, login_as):
    """Downloading email addresses needs a deliberate POST and leaves an audit entry."""
    petition = make_petition()
    sign_and_confirm(app, client, inbox, "a@example.org")
    organiser = login_as(Role.ORGANISER)
    assert organiser.get(f"/staff/petitions/{petition.id}/export-full.csv").status_code == 405
    assert organiser.post(f"/staff/petitions/{petition.id}/export-full.csv", data={}, csrf=False).status_code == 400
    assert "petition.export_full" not in _actions()
    response = organiser.post(f"/staff/petitions/{petition.id}/export-full.csv", data={})
    assert response.status_code == 200 and "a@example.org" in response.get_data(as_text=True)
    assert _actions().count("petition.export_full") == 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "petition.export_full")).one()
    assert "@" not in event.detail


def test_staff_start_page_links_to_petitions_for_organisers(app, login_as):
    """Organisers find the petitions card on the staff start page; caseworkers do not."""
    assert "/staff/petitions" in login_as(Role.ORGANISER).get("/staff").get_data(as_text=True)
    assert "/staff/petitions" not in login_as(Role.CASEWORKER).get("/staff").get_data(as_text=True)


def test_signatures_do_not_outlive_their_petition(app, client, inbox):
    """Deleting a petition deletes its signatures with it (no orphaned personal data)."""
    petition = make_petition()
    sign(client)
    db.session.delete(db.session.get(Petition, petition.id))
    db.session.commit()
    assert db.session.scalars(select(Signature)).all() == []


def test_organisers_preview_drafts_that_the_public_cannot_see(app, client, login_as):
    """A draft petition is visible to organisers only, so they can check it before publishing."""
    make_petition(slug="draft", status="draft", title={"zh_Hans": "草稿标题"})
    assert client.get("/petitions/draft").status_code == 404
    assert "草稿标题" in login_as(Role.ORGANISER).get("/petitions/draft").get_data(as_text=True)


def test_preview_shows_each_language_sanitised_keeps_what_was_typed_and_saves_nothing(app, login_as):
    """The editor's Preview button re-renders the editor with the texts as they will read (Markdown
    rendered and sanitised) in each configured language, keeping every typed value and saving nothing."""
    organiser = login_as(Role.ORGANISER)
    typed = {"slug": "preview-me", "status": "open", "goal": "500", "title-zh_Hans": "删除偷拍视频",
             "title-en": "Take the videos down", "body-zh_Hans": "**立即**删除<script>alert(1)</script>",
             "body-en": "We *ask* for [removal](javascript:alert(1))\n\nSecond paragraph.", "preview": "Preview"}
    response = organiser.post("/staff/petitions/new?lang=en", data=typed)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>立即</strong>删除" in html and "<em>ask</em>" in html and "<p>Second paragraph.</p>" in html
    # One preview per language, right after that language's fieldset; 繁體 has nothing written yet.
    assert [tag for tag in ("zh-Hans", "zh-Hant", "en") if f'aria-labelledby="preview-{tag}"' in html] == [
        "zh-Hans", "zh-Hant", "en"]
    hant = html.split('aria-labelledby="preview-zh-Hant"')[1].split("</section>")[0]
    assert "Nothing written in this language yet." in hant
    assert html.index('id="title-zh_Hant"') < html.index('id="preview-zh-Hant"') < html.index('id="title-en"')
    assert "<script>alert(1)</script>" not in html.replace("&lt;script&gt;alert(1)&lt;/script&gt;", "")
    assert "javascript:" not in html.replace("(javascript:alert(1))", "")
    assert 'value="preview-me"' in html and 'value="500"' in html
    assert "**立即**删除&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in html  # the typed text, as typed
    assert "nothing is saved" in html
    assert db.session.scalars(select(Petition)).all() == []
    # The language switch of the preview sends the form again: the preview comes back in Chinese.
    switched = organiser.post("/staff/petitions/new", data={**typed, "_lang": "zh"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in switched and "<strong>立即</strong>删除" in switched
    assert db.session.scalars(select(Petition)).all() == []


def test_the_editor_has_a_fieldset_per_language_and_flags_what_is_not_translated(app, login_as):
    """With three languages configured the editor shows three fieldsets; one with texts missing
    says so, and the list of petitions names the languages still to translate."""
    petition = make_petition(summary={"zh_Hans": "摘要", "zh_Hant": "摘要", "en": "Summary"})
    organiser = login_as(Role.ORGANISER)
    page = organiser.get(f"/staff/petitions/{petition.id}/edit?lang=en").get_data(as_text=True)
    legends = [part.split("</legend>")[0] for part in page.split('<fieldset class="card translated">')[1:]]
    assert len(legends) == 3
    assert '<span lang="zh-Hans">简体中文</span>' in legends[0] and "Not translated yet" not in legends[0]
    assert '<span lang="zh-Hant">繁體中文</span>' in legends[1] and "Not translated yet: Title, Text" in legends[1]
    assert "Not translated yet" not in legends[2]
    assert 'name="title-zh_Hant"' in page and 'value="Take down covert recordings"' in page
    listing = organiser.get("/staff/petitions?lang=en").get_data(as_text=True)
    assert "Not translated: 繁體中文" in listing


def test_saving_stores_each_language_and_renders_each_body(app, login_as):
    """The editor's texts are stored per locale code, empty ones left out, each body rendered."""
    organiser = login_as(Role.ORGANISER)
    response = organiser.post("/staff/petitions/new", data={
        "slug": "three", "status": "open", "goal": "100", "title-zh_Hans": "标题", "title-zh_Hant": "標題",
        "title-en": " ", "body-zh_Hant": "**正文**"})
    assert response.status_code == 302
    petition = db.session.scalars(select(Petition)).one()
    assert petition.title == {"zh_Hans": "标题", "zh_Hant": "標題"}
    assert petition.body_html == {"zh_Hant": "<p><strong>正文</strong></p>"}
