"""Public signing: double opt-in, counting, duplicates, withdrawal, clean-up, abuse guards."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.newsletter.models import Subscriber
from campaign.petitions.models import Petition, Signature
from campaign.timeutil import utcnow
from campaign.worker import run_once
from tests.conftest import Client, Inbox
from tests.petitions_support import count, mailed_paths, make_petition, send_mail, sign, sign_and_confirm


def _rows() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Signature)) or 0


def test_signature_counts_only_after_the_mailed_link_is_confirmed(app, client, inbox):
    """A new signature stays pending and uncounted until its owner confirms it from the mail."""
    petition = make_petition()
    response = sign(client)
    assert response.status_code == 303
    assert "/petitions/takedown/thanks" in response.location
    assert count(petition.id) == 0
    assert client.get("/petitions/takedown.json").json["count"] == 0

    assert send_mail(app) == 1
    mail = inbox.last_to("ann@example.org")
    assert "要求平台下架偷拍内容" in str(mail["Subject"])
    confirm, withdraw = mailed_paths(inbox, "ann@example.org")

    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    page = client.get(confirm)
    assert page.status_code == 200
    assert count(petition.id) == 0
    assert client.post(confirm, data={}).status_code == 303
    assert count(petition.id) == 1
    assert client.get("/petitions/takedown.json").json == {"count": 1, "goal": 100, "status": "open", "open": True}
    assert "Ann Lee" in client.get("/petitions/takedown").get_data(as_text=True)

    # Confirming twice counts once.
    client.post(confirm, data={})
    assert count(petition.id) == 1


def test_pending_signer_is_not_listed_publicly(app, client, inbox):
    """Only confirmed signatures appear in the public list of signers."""
    make_petition()
    sign(client, name="Pending Person")
    assert "Pending Person" not in client.get("/petitions/takedown").get_data(as_text=True)


def test_signing_twice_keeps_one_row_answers_like_a_first_signature_and_resends_at_most_every_ten_minutes(
        app, client, inbox):
    """A second signature with the same (differently written) address keeps one row; the page is the
    one a first signature gets (it must not tell who signed), and the mail goes again at most every
    ten minutes."""
    make_petition()
    first = sign(client, email="ann@example.org")
    send_mail(app)
    assert len(inbox.to("ann@example.org")) == 1

    again = sign(client, email="  ANN@Example.ORG ")
    assert again.status_code == 303 and again.location == first.location
    send_mail(app)
    assert len(inbox.to("ann@example.org")) == 1  # within ten minutes: no second mail
    assert _rows() == 1

    signature = db.session.scalars(select(Signature)).one()
    signature.last_mailed_at = utcnow() - timedelta(minutes=11)
    db.session.commit()
    resent = sign(client, email="ann@example.org")
    assert resent.location == first.location
    send_mail(app)
    assert len(inbox.to("ann@example.org")) == 2
    assert _rows() == 1


def test_signing_again_after_confirming_is_told_by_mail_only(app, client, inbox):
    """Someone who already confirmed sees the page a new signer sees; the mail to their address
    says the signature counts once. Nothing changes."""
    petition = make_petition()
    sign_and_confirm(app, client, inbox, "ann@example.org")
    signature = db.session.scalars(select(Signature)).one()
    signature.last_mailed_at = utcnow() - timedelta(minutes=11)  # past the resend pause
    db.session.commit()
    fresh = sign(client, email="someone.new@example.org")
    response = sign(client, email="ann@example.org")
    assert response.location == fresh.location
    send_mail(app)
    note = inbox.last_to("ann@example.org")
    assert "counts once" in Inbox.text(note) or "只计一次" in Inbox.text(note)
    assert count(petition.id) == 1 and _rows() == 2


def test_concurrent_identical_signatures_make_one_row(app, inbox):
    """Several requests with the same address at the same moment leave exactly one signature."""
    make_petition()
    threads_n = 6
    barrier = threading.Barrier(threads_n)
    codes: list[int] = []

    def post() -> None:
        app.test_client_class = Client
        client = app.test_client()
        barrier.wait()
        codes.append(sign(client, email="rush@example.org").status_code)

    threads = [threading.Thread(target=post) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [303] * threads_n
    assert _rows() == 1


def test_withdraw_link_deletes_the_signature_and_lowers_the_count(app, client, inbox):
    """The withdraw link in the mail removes the signature with its personal data."""
    petition = make_petition()
    sign_and_confirm(app, client, inbox, "ann@example.org")
    _confirm, withdraw = mailed_paths(inbox, "ann@example.org")
    assert client.get(withdraw).status_code == 200
    assert _rows() == 1  # showing the page removes nothing
    assert client.post(withdraw, data={}).status_code == 303
    assert _rows() == 0
    assert count(petition.id) == 0
    assert client.get(withdraw).status_code == 400  # used up


def test_tampered_confirmation_link_is_refused(app, client, inbox):
    """A forged or damaged link confirms nothing."""
    petition = make_petition()
    sign(client)
    send_mail(app)
    confirm, _withdraw = mailed_paths(inbox, "ann@example.org")
    assert client.post(confirm[:-3] + "abc", data={}).status_code == 400
    assert count(petition.id) == 0


def test_confirmation_link_expires_after_seven_days(app, client, inbox, monkeypatch):
    """A confirmation link older than seven days no longer confirms; the signer is told to sign again."""
    import itsdangerous.timed

    petition = make_petition()
    sign(client)
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 8 * 86400)
    send_mail(app)  # the link is stamped eight days ago
    monkeypatch.setattr(itsdangerous.timed.time, "time", real_time)
    confirm, _withdraw = mailed_paths(inbox, "ann@example.org")
    response = client.post(confirm, data={})
    assert response.status_code == 400 and "7" in response.get_data(as_text=True)
    assert count(petition.id) == 0


def test_worker_deletes_old_pending_signatures_only(app, client, inbox):
    """Unconfirmed signatures disappear after PETITION_PENDING_DAYS; confirmed ones stay."""
    make_petition()
    sign_and_confirm(app, client, inbox, "kept@example.org")
    sign(client, email="old@example.org")
    sign(client, email="recent@example.org")
    now = utcnow()
    for signature in db.session.scalars(select(Signature)):
        if signature.email in {"old@example.org", "kept@example.org"}:
            signature.created_at = now - timedelta(days=15)
        else:
            signature.created_at = now - timedelta(days=13)
    db.session.commit()
    assert run_once(app, {"petitions.purge_pending"}) == 1
    db.session.expire_all()
    assert sorted(s.email for s in db.session.scalars(select(Signature))) == ["kept@example.org", "recent@example.org"]


def test_pending_period_is_configurable(app, make_app, inbox):
    """PETITION_PENDING_DAYS changes how long unconfirmed signatures are kept."""
    petition = make_petition(slug="short")
    db.session.add(Signature(petition_id=petition.id, email="a@example.org", name="A",
                             created_at=utcnow() - timedelta(days=4)))
    db.session.commit()
    assert run_once(app, {"petitions.purge_pending"}) == 0  # the default keeps it 14 days
    assert run_once(make_app(PETITION_PENDING_DAYS=3), {"petitions.purge_pending"}) == 1


def test_goal_rises_to_the_next_milestone_when_reached(app, client, inbox):
    """Reaching the goal moves it to the next milestone (100 -> 500), so the bar is never full."""
    petition = make_petition(goal=100)
    db.session.execute(Petition.__table__.update().values(signature_count=99))
    db.session.commit()
    sign_and_confirm(app, client, inbox, "hundredth@example.org")
    assert client.get("/petitions/takedown.json").json["goal"] == 500
    assert count(petition.id) == 100


def test_newsletter_opt_in_subscribes_on_confirmation_only(app, client, inbox):
    """Ticking the newsletter box subscribes the signer once they confirm, with the petition as source."""
    petition = make_petition()
    sign(client, email="news@example.org", newsletter="y")
    sign(client, email="quiet@example.org")
    send_mail(app)
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0
    for address in ("news@example.org", "quiet@example.org"):
        confirm, _w = mailed_paths(inbox, address)
        client.post(confirm, data={})
    subscribers = db.session.scalars(select(Subscriber)).all()
    assert [(s.email, s.status, s.source) for s in subscribers] == [
        ("news@example.org", "confirmed", f"petition:{petition.id}")
    ]


def test_share_channel_from_the_link_is_stored(app, client, inbox):
    """A visitor arriving by ?src=weibo is counted for Weibo; unknown channels are not stored."""
    make_petition()
    page = client.get("/petitions/takedown?src=weibo").get_data(as_text=True)
    assert 'name="src" type="hidden" value="weibo"' in page
    sign(client, email="weibo@example.org", src="weibo")
    sign(client, email="odd@example.org", src="tracker-123")
    sources = dict(db.session.execute(select(Signature.email, Signature.src)).all())
    assert sources == {"weibo@example.org": "weibo", "odd@example.org": ""}


def test_honeypot_submission_is_answered_but_not_saved(app, client, inbox):
    """A bot that fills the hidden field gets an ordinary answer and no signature is stored."""
    make_petition()
    response = sign(client, email="bot@example.org", website="http://spam.example")
    assert response.status_code == 303
    assert _rows() == 0


def test_over_long_fields_are_refused_with_a_message(app, client, inbox):
    """Too long a name or comment gives a clear error and stores nothing."""
    make_petition()
    response = sign(client, name="x" * 81, comment="y" * 501)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _rows() == 0


def test_malformed_email_is_refused_with_a_message(app, client, inbox):
    """An address that cannot be one (no domain, spaces, two @) gets a clear error, nothing stored."""
    make_petition()
    for address in ("ann", "ann@localhost", "ann @example.org", "a@@example.org", "<a@example.org>"):
        response = client.post("/petitions/takedown/sign?lang=en",
                               data={"name": "Ann", "email": address, "display": "full"})
        assert response.status_code == 400, address
        assert "Enter a valid email address." in response.get_data(as_text=True)
    assert _rows() == 0


def test_form_without_csrf_token_is_refused(app, client, inbox):
    """A sign form posted from another site (no CSRF token) is refused."""
    make_petition()
    response = client.post("/petitions/takedown/sign", data={"name": "A", "email": "a@example.org",
                                                             "display": "full"}, csrf=False)
    assert response.status_code == 400
    assert _rows() == 0


def test_signing_is_rate_limited_per_address(app, client, inbox):
    """One address cannot post the form more often than the flood ceiling allows."""
    app.config["PUBLIC_FORM_PER_MINUTE"] = 10  # the flood ceiling (120 by default), lowered to test it
    make_petition()
    codes = [sign(client, email=f"r{n}@example.org").status_code for n in range(11)]
    assert codes[:10] == [303] * 10
    assert codes[10] == 429


def test_closed_and_draft_petitions_take_no_signatures(app, client, inbox):
    """A closed petition refuses signatures; a draft is not public at all."""
    make_petition(slug="closed", status="closed")
    make_petition(slug="draft", status="draft")
    response = sign(client, slug="closed")
    assert "signed=closed" in response.location
    assert sign(client, slug="draft").status_code == 404
    assert client.get("/petitions/draft").status_code == 404
    assert client.get("/petitions/draft.json").status_code == 404
    assert _rows() == 0


def test_script_in_name_and_comment_is_shown_as_text(app, client, inbox):
    """HTML typed by a signer appears as text on the public page, never as markup."""
    make_petition()
    sign_and_confirm(app, client, inbox, "x@example.org", name="<script>alert(1)</script>",
                     comment="<img src=x onerror=alert(2)>")
    page = client.get("/petitions/takedown").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page


def test_line_breaks_in_a_name_never_reach_a_mail_header(app, client, inbox):
    """A name with CR/LF cannot add headers or recipients to the confirmation mail."""
    make_petition()
    sign(client, email="ann@example.org", name="Ann\r\nBcc: victim@example.org")
    send_mail(app)
    mail = inbox.last_to("ann@example.org")
    assert mail["Bcc"] is None
    assert "\n" not in str(mail["To"]) and "\r" not in str(mail["To"])
    assert inbox.envelopes[-1][1] == ["ann@example.org"]


def test_signer_choice_of_name_display_is_respected(app, client, inbox):
    """Public lists show the full name, initials or nothing, as each signer chose."""
    make_petition()
    sign_and_confirm(app, client, inbox, "a@example.org", name="Jane Doe", display="initials")
    sign_and_confirm(app, client, inbox, "b@example.org", name="王小明", display="initials")
    sign_and_confirm(app, client, inbox, "c@example.org", name="Secret Person", display="anonymous")
    page = client.get("/petitions/takedown?lang=en").get_data(as_text=True)
    assert "J. D." in page and "Jane Doe" not in page
    assert "王**" in page and "王小明" not in page
    assert "Secret Person" not in page and "Anonymous" in page


def test_mail_arrives_in_the_signers_language(app, client, inbox):
    """Someone signing on the English page gets the confirmation mail in English."""
    make_petition()
    client.post("/petitions/takedown/sign?lang=en", data={"name": "Ann", "email": "en@example.org",
                                                          "display": "full"})
    send_mail(app)
    mail = inbox.last_to("en@example.org")
    assert "Take down covert recordings" in str(mail["Subject"])
    assert "confirm" in Inbox.text(mail).lower()


def test_a_traditional_chinese_signer_gets_the_written_title_or_the_marked_fallback(app, client, inbox):
    """The mail is in the signer's stored locale: zh_Hant words, the Traditional title where it is
    written, else the Simplified one marked with its language in the HTML part."""
    make_petition()
    make_petition(slug="hant", title={"zh_Hans": "简体标题", "zh_Hant": "繁體標題"})
    for slug, address in (("takedown", "fallback@example.org"), ("hant", "written@example.org")):
        client.post(f"/petitions/{slug}/sign?lang=zh-Hant", data={"name": "Ann", "email": address, "display": "full"})
    send_mail(app)
    assert {s.locale for s in db.session.scalars(select(Signature))} == {"zh_Hant"}
    written = inbox.last_to("written@example.org")
    assert "繁體標題" in str(written["Subject"]) and "確認" in Inbox.text(written)
    fallback = inbox.last_to("fallback@example.org")
    assert "要求平台下架偷拍内容" in str(fallback["Subject"])
    html = fallback.get_body(preferencelist=("html",)).get_content()
    assert '<span lang="zh-Hans">要求平台下架偷拍内容</span>' in html


def test_data_rights_copy_and_erasure_cover_signatures(app, client, inbox):
    """Through /my-data a signer gets a copy of their signatures, and erasure leaves only an
    anonymous confirmed signature that still counts."""
    from campaign.rights import services as rights

    petition = make_petition()
    make_petition(slug="other")
    sign_and_confirm(app, client, inbox, "ann@example.org", name="Ann Lee", comment="my words", region="上海")
    sign(client, slug="other", email="ann@example.org")
    records = rights.collect("ann@example.org")["petitions"]
    assert [(r["petition"], r["status"], r["name"]) for r in records] == [
        ("takedown", "confirmed", "Ann Lee"), ("other", "pending", "Ann Lee")]

    assert rights.erase("ann@example.org")["petitions"] == 2
    db.session.expire_all()
    assert rights.collect("ann@example.org") == {}
    left = db.session.scalars(select(Signature)).one()
    assert (left.status, left.name, left.comment, left.region, left.display) == ("confirmed", "", "", "", "anonymous")
    assert "@" not in left.email
    assert count(petition.id) == 1
    assert "Ann Lee" not in client.get("/petitions/takedown").get_data(as_text=True)


def test_a_petition_closes_at_the_end_of_its_last_day_where_the_organisation_is(app, client):
    """`closes_on` is the organisation's date (ORG_TIMEZONE), not UTC's: at any moment it is
    already the next day at UTC+14 while it is still this day at UTC-12."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    last_day = datetime.now(ZoneInfo("Etc/GMT+12")).date()  # UTC-12: the latest date on Earth now
    make_petition(slug="ends", closes_on=last_day)
    app.config["ORG_TIMEZONE"] = "Etc/GMT+12"
    assert "signed=new" in sign(client, slug="ends", email="early@example.org").location
    app.config["ORG_TIMEZONE"] = "Etc/GMT-14"  # UTC+14: that day is over there
    assert "signed=closed" in sign(client, slug="ends", email="late@example.org").location
    assert _rows() == 1
