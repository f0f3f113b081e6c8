"""Public petition pages: home list, progress, share panel, posters, no third-party loads."""
from __future__ import annotations

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.petitions.models import Petition, Signature
from tests.petitions_support import make_petition


def test_home_lists_open_petitions_only(app, client):
    """The home page shows open petitions with their progress, never drafts or closed ones."""
    make_petition(slug="open-one", title={"zh_Hans": "公开的请愿"})
    make_petition(slug="draft-one", status="draft", title={"zh_Hans": "草稿请愿"})
    make_petition(slug="closed-one", status="closed", title={"zh_Hans": "已关闭请愿"})
    page = client.get("/").get_data(as_text=True)
    assert "公开的请愿" in page and "/petitions/open-one" in page
    assert "草稿请愿" not in page and "已关闭请愿" not in page
    assert "<progress" in page


def test_petition_page_reads_the_kept_count_not_the_rows(app, client):
    """The count shown comes from the kept counter, so a huge petition costs the same to show."""
    petition = make_petition()
    db.session.execute(Petition.__table__.update().values(signature_count=123456, goal=500000))
    db.session.commit()
    page = client.get("/petitions/takedown").get_data(as_text=True)
    assert "123,456" in page and 'max="500000" value="123456"' in page
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0
    assert petition.id


def test_sign_form_has_privacy_notice_honeypot_and_unticked_newsletter_box(app, client):
    """The form explains what happens to the data, hides a bot trap, and does not pre-tick mail."""
    make_petition()
    page = client.get("/petitions/takedown?lang=en").get_data(as_text=True)
    assert "Privacy:" in page
    assert 'class="hp" aria-hidden="true"' in page and 'name="website"' in page
    assert 'name="newsletter"' in page and 'name="newsletter" type="checkbox" value="y">' in page
    assert "<script" not in page  # the page needs no script at all


def test_share_panel_has_plain_links_with_channels_and_a_local_qr_code(app, client):
    """After signing: plain share links tagged ?src=, a WeChat QR code served from this site."""
    make_petition(share_text={"zh_Hans": "快来签名"})
    page = client.get("/petitions/takedown/thanks?signed=new").get_data(as_text=True)
    for host, channel in (("service.weibo.com", "weibo"), ("t.me", "telegram"), ("x.com", "x"),
                          ("wa.me", "whatsapp"), ("mailto:", "email")):
        assert host in page and f"src%3D{channel}" in page, channel
    assert "/petitions/takedown/wechat.svg" in page
    assert "?src=link" in page  # the copy-link field
    assert '<script src="/static/js/share.js?v=' in page  # from this site, under its content hash
    assert "<script>" not in page
    qr = client.get("/petitions/takedown/wechat.svg")
    assert qr.mimetype == "image/svg+xml" and b"<path" in qr.data


def test_posters_are_made_locally_as_png_and_svg(app, client):
    """The poster downloads as a PNG and an SVG, with the petition title and a QR code."""
    make_petition()
    png = client.get("/petitions/takedown/poster.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    svg = client.get("/petitions/takedown/poster.svg?lang=en")
    text = svg.get_data(as_text=True)
    assert svg.mimetype == "image/svg+xml" and "Take down covert recordings" in text and "<path" in text
    assert "src=poster" in text


def test_json_gives_count_goal_and_status(app, client):
    """The JSON endpoint gives the public count, goal and status, and nothing personal."""
    make_petition(goal=500)
    assert client.get("/petitions/takedown.json").json == {"count": 0, "goal": 500, "status": "open", "open": True}
    assert client.get("/petitions/nope.json").status_code == 404


def test_a_traditional_chinese_reader_gets_traditional_text_or_the_marked_fallback(app, client):
    """?lang=zh-Hant shows the Traditional text where it is written; where it is not, the Simplified
    text marked with its language (lang="zh-Hans" and a note on the body), also from the kept page."""
    make_petition(title={"zh_Hans": "要求平台下架偷拍内容", "zh_Hant": "要求平臺下架偷拍內容", "en": "Take down"},
                  summary={"zh_Hans": "简体摘要"})
    for _ in range(2):  # rendered, then served from the kept page
        page = client.get("/petitions/takedown?lang=zh-Hant").get_data(as_text=True)
        assert '<html lang="zh-Hant">' in page
        assert "<h1>要求平臺下架偷拍內容</h1>" in page
        assert '<p class="lead"><span lang="zh-Hans">简体摘要</span></p>' in page
        # The body keeps its own language; the note says, in the reader's, why it shows another.
        assert '<div class="petition-body" lang="zh-Hans"><p class="fallback-note muted" lang="zh-Hant">' in page
        assert "我们要求<strong>平台</strong>行动。" in page
    # A Simplified Chinese reader is not served the Traditional page kept for the other locale.
    simplified = client.get("/petitions/takedown?lang=zh-Hans").get_data(as_text=True)
    assert "<h1>要求平台下架偷拍内容</h1>" in simplified and "fallback-note" not in simplified
