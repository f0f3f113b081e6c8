"""Sending an issue: headers, DKIM, audience, retries, bounces and the controls on the issue page."""
from __future__ import annotations

import email
import re
import time
from email.policy import default as default_policy

import dkim
import pytest
from dkim import dknewkey
from sqlalchemy import func, select

from campaign import worker
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.features import Audience, Feature, registry
from campaign.newsletter import segments, services
from campaign.newsletter.models import Issue, OutboxRow, Subscriber
from tests.integration.newsletter_helpers import add_subscribers, counting_sink, start_issue

FAST = {"NEWSLETTER_RATE": 100000.0, "NEWSLETTER_RETRY_BASE": 0.02, "NEWSLETTER_BATCH": 50}


@pytest.fixture()
def sink_app(app, make_app):
    """An app whose SMTP server is a counting sink started for this test."""

    def build(**overrides):
        return make_app(MAIL_PORT=port, **{**FAST, **overrides})

    with counting_sink() as (sink, port):
        yield build, sink


def _drain(app, issue_id: int) -> Issue:
    """Run the dispatch job until the issue leaves `sending` (bounded, so a bug fails instead of hanging)."""
    for _round in range(2000):
        worker.run_once(app, {"newsletter.dispatch"})
        db.session.expire_all()
        issue = db.session.get(Issue, issue_id)
        if issue.status != "sending":
            return issue
        time.sleep(0.01)
    raise AssertionError("the send never finished")


def _raw_for(sink, address: str) -> bytes:
    found = [raw for raw in sink.raw if f"<{address}>".encode() in raw.split(b"\r\n\r\n", 1)[0]]
    assert len(found) == 1, f"{len(found)} mails to {address}"
    return found[0]


def test_only_confirmed_receive_with_bulk_sender_headers(sink_app, make_user, app):
    """Only confirmed subscribers get the issue, each with one-click unsubscribe, Message-ID, Date and
    RFC 2047 headers."""
    build, sink = sink_app
    sink.keep_raw = True
    other = build()
    with other.app_context():
        db.session.add_all([
            Subscriber(email="mei@example.org", name="王小美", status="confirmed", locale="zh"),
            Subscriber(email="wait@example.org", status="pending"),
            Subscriber(email="gone@example.org", status="unsubscribed"),
            Subscriber(email="dead@example.org", status="bounced"),
            Subscriber(email="noisy@example.org", status="complained"),
        ])
        db.session.commit()
        issue_id = start_issue(make_user(Role.ORGANISER))
        assert _drain(other, issue_id).status == "sent"
        assert set(sink.counts) == {"mei@example.org"}

        raw = _raw_for(sink, "mei@example.org")
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # RFC 2047 keeps headers ASCII
        assert "=?utf-8?" in head.split("Subject:", 1)[1].split("\r\n", 1)[0]
        msg = email.message_from_bytes(raw, policy=default_policy)
        assert msg["Subject"] == "第一期：我们的进展"
        assert msg["To"].addresses[0].display_name == "王小美"
        assert msg["Message-ID"] and msg["Date"]
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = re.fullmatch(
            r"<(http://127\.0\.0\.1:5000/newsletter/unsubscribe/[\w.-]+)>", msg["List-Unsubscribe"]
        ).group(1)
        text = msg.get_body(preferencelist=("plain",)).get_content()
        html = msg.get_body(preferencelist=("html",)).get_content()
        assert text.startswith("第一期") and "王小美，你好！" in text and url in text  # merge field and visible link
        assert "王小美，你好！" in html and url in html
        response = other.test_client().post(url.split("5000", 1)[1], data="List-Unsubscribe=One-Click",
                                            content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        assert (
            db.session.scalar(select(Subscriber.status).where(Subscriber.email == "mei@example.org")) == "unsubscribed"
        )


def test_dkim_signature_covers_list_unsubscribe_and_verifies(sink_app, make_user, tmp_path):
    """With a DKIM key configured every mail is signed, the signature covers List-Unsubscribe(-Post) and verifies."""
    key_path, dns_path = tmp_path / "dkim.key", tmp_path / "dkim.dns"
    dknewkey.GenRSAKeys(str(key_path), verbose=False)  # dkimpy's key tool (runs openssl)
    dknewkey.ExtractRSADnsPublicKey(str(key_path), str(dns_path), verbose=False)
    record = dns_path.read_bytes().strip()
    build, sink = sink_app
    sink.keep_raw = True
    other = build(DKIM_PRIVATE_KEY_PATH=str(key_path), DKIM_SELECTOR="mail", DKIM_DOMAIN="example.org",
                  NEWSLETTER_UNSUBSCRIBE_MAILTO="unsubscribe@example.org")
    with other.app_context():
        add_subscribers(3)
        issue_id = start_issue(make_user(Role.ORGANISER))
        _drain(other, issue_id)
        raw = _raw_for(sink, "reader1@example.net")

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"mail._domainkey.example.org."
        return record

    assert dkim.verify(raw, dnsfunc=dns)
    msg = email.message_from_bytes(raw, policy=default_policy)
    signed = msg["DKIM-Signature"].replace(" ", "").replace("\r\n", "").lower()
    assert "list-unsubscribe:list-unsubscribe-post" in signed
    assert "<mailto:unsubscribe@example.org?subject=unsubscribe>" in msg["List-Unsubscribe"]
    tampered = raw.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: nope")
    assert not dkim.verify(tampered, dnsfunc=dns)


@pytest.mark.parametrize("answer", ["421 4.7.0 too busy, closing", "450 4.2.1 slow down"])
def test_temporary_refusals_are_retried_and_nothing_is_lost(sink_app, make_user, answer):
    """A server answering 421/450 for a while delays the send; afterwards everyone has it exactly once."""
    build, sink = sink_app
    sink.refuse_first = 12
    sink.refuse_with = answer
    other = build()
    with other.app_context():
        addresses = add_subscribers(200)
        issue_id = start_issue(make_user(Role.ORGANISER))
        assert _drain(other, issue_id).status == "sent"
    assert sink.refused == 12
    assert {a: sink.counts[a] for a in addresses} == dict.fromkeys(addresses, 1)


def test_permanent_refusal_marks_bounced_and_admin_can_reset(sink_app, make_user, login_as):
    """A 5xx marks the address bounced so it gets nothing more; an admin sees it and can reset it."""
    build, sink = sink_app
    sink.refuse_rcpt = {"reader3@example.net"}
    other = build()
    with other.app_context():
        addresses = add_subscribers(40)
        organiser = make_user(Role.ORGANISER)
        issue_id = start_issue(organiser)
        assert _drain(other, issue_id).status == "sent"
        person = db.session.scalar(select(Subscriber).where(Subscriber.email == "reader3@example.net"))
        assert person.status == "bounced" and person.bounce_reason.startswith("550")
        person_id = person.id
        row = db.session.scalar(select(OutboxRow).where(OutboxRow.subscriber_id == person_id))
        assert row.status == "failed"
        assert sum(sink.counts[a] for a in addresses) == 39
        second = start_issue(organiser, subject="第二期")
        assert db.session.scalar(select(func.count()).where(OutboxRow.issue_id == second)) == 39
    admin = login_as(Role.ADMIN)
    page = admin.get("/staff/newsletter/bounced")
    assert page.status_code == 200 and b"reader3@example.net" in page.data
    assert admin.post(f"/staff/newsletter/bounced/{person_id}/reset", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Subscriber, person_id).status == "confirmed"


def test_send_pauses_itself_when_too_many_addresses_fail(sink_app, make_user):
    """A list full of dead addresses stops itself instead of ruining the sender's reputation."""
    build, sink = sink_app
    other = build(NEWSLETTER_BATCH=10)
    with other.app_context():
        addresses = add_subscribers(100)
        sink.refuse_rcpt = set(addresses[:60])
        issue_id = start_issue(make_user(Role.ORGANISER))
        issue = _drain(other, issue_id)
        assert issue.status == "paused" and issue.pause_reason == "error-rate"
        assert sink.total < 40


def test_issue_page_controls_and_live_progress(login_as, app, inbox):
    """An organiser sees the recipient count before sending, can pause, resume and cancel, and polls
    progress as JSON."""
    add_subscribers(5)
    organiser = login_as(Role.ORGANISER)
    response = organiser.post(
        "/staff/newsletter/issues/new?lang=en", data={"subject-zh_Hans": "Update", "body-zh_Hans": "Hello {{name}}"}
    )
    issue_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = organiser.get(f"/staff/newsletter/issues/{issue_id}?lang=en").get_data(as_text=True)
    assert "5 people would receive this issue now." in page
    preview = organiser.get(f"/staff/newsletter/issues/{issue_id}/preview")
    assert preview.status_code == 200 and "Hello" in preview.get_data(as_text=True)
    assert (
        organiser.post(
            f"/staff/newsletter/issues/{issue_id}/test", data={"addresses": "me@example.org", "language": "zh"}
        ).status_code
        == 302
    )
    assert inbox.last_to("me@example.org")["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    organiser.post(f"/staff/newsletter/issues/{issue_id}/send", data={})
    state = organiser.get(f"/staff/newsletter/issues/{issue_id}/progress.json").json
    assert state["status"] == "sending" and state["total"] == 5 and state["pending"] == 5
    organiser.post(f"/staff/newsletter/issues/{issue_id}/pause", data={})
    assert worker.run_once(app, {"newsletter.dispatch"}) == 0  # a paused send hands out nothing
    organiser.post(f"/staff/newsletter/issues/{issue_id}/resume", data={})
    organiser.post(f"/staff/newsletter/issues/{issue_id}/cancel", data={})
    state = organiser.get(f"/staff/newsletter/issues/{issue_id}/progress.json").json
    assert state["status"] == "cancelled" and state["skipped"] == 5
    page = organiser.get(f"/staff/newsletter/issues/{issue_id}").get_data(as_text=True)
    assert f'href="/staff/newsletter/issues/{issue_id}"' in page  # the plain refresh link


def test_segment_registry_narrows_the_audience(app, make_user):
    """An audience another feature contributes narrows an issue to its people, and never past confirmed subscribers."""
    add_subscribers(6, prefix="vip")
    add_subscribers(4, prefix="other")
    add_subscribers(3, prefix="vipwaiting", status="pending")
    vip = Audience(
        "test-vip", "VIPs", lambda value, sender: select(Subscriber.id).where(Subscriber.email.startswith(value or "")),
        choices=lambda sender: [("vip", "VIP readers")],
    )
    registry(app).add(Feature(name="vip-readers", audiences=(vip,)))
    assert ("test-vip:vip", "VIPs: VIP readers") in segments.options(None)
    issue = services.create_issue(
        services.IssueData(subject={"zh_Hans": "s"}, body={"zh_Hans": "b"}, segment="test-vip:vip"),
            make_user(Role.ORGANISER)
    )
    assert services.audience_count(issue) == 6


def test_connection_cap_is_shared_by_workers(sink_app, make_user):
    """With NEWSLETTER_MAX_CONNECTIONS=1 a second sender waits while another holds the connection."""
    from campaign.newsletter import dispatch

    build, sink = sink_app
    other = build(NEWSLETTER_MAX_CONNECTIONS=1)
    with other.app_context():
        add_subscribers(5)
        issue_id = start_issue(make_user(Role.ORGANISER))
        with dispatch.connection_slot() as got:
            assert got
            assert dispatch.run(budget=1) == 0 and sink.total == 0
        assert dispatch.run(budget=5) == 5
        assert _drain(other, issue_id).status == "sent"


def test_unsendable_address_fails_alone(sink_app, make_user):
    """An address no SMTP command can carry fails for good instead of blocking everyone after it."""
    build, sink = sink_app
    other = build()
    with other.app_context():
        addresses = add_subscribers(3)
        db.session.add(Subscriber(email="名字@例子.中国", status="confirmed"))
        db.session.commit()
        issue_id = start_issue(make_user(Role.ORGANISER))
        assert _drain(other, issue_id).status == "sent"
        assert db.session.scalar(select(Subscriber.status).where(Subscriber.email == "名字@例子.中国")) == "bounced"
    assert all(sink.counts[a] == 1 for a in addresses)


def test_cli_send_progress_reports_the_finished_send(sink_app, make_user):
    """`flask newsletter send-progress ID` shows a progress bar and the final counts."""
    build, sink = sink_app
    other = build()
    with other.app_context():
        add_subscribers(7)
        issue_id = start_issue(make_user(Role.ORGANISER))
        _drain(other, issue_id)
    result = other.test_cli_runner().invoke(args=["newsletter", "send-progress", str(issue_id)])
    assert result.exit_code == 0, result.output
    assert "sent: 7 sent, 0 failed" in result.output


def test_editing_a_draft_keeps_its_audience_choices(login_as):
    """Reopening a draft shows the topics and languages chosen before, and saving changes them."""
    organiser = login_as(Role.ORGANISER)
    response = organiser.post("/staff/newsletter/issues/new", data={
        "subject-zh_Hans": "第八期", "body-zh_Hans": "正文", "topics": ["policy", "events"], "languages": ["zh"]})
    issue_id = int(response.headers["Location"].rsplit("/", 1)[1])
    form = organiser.get(f"/staff/newsletter/issues/{issue_id}/edit").get_data(as_text=True)
    assert re.search(r'value="policy"[^>]*checked|checked[^>]*value="policy"', form)
    assert not re.search(r'value="support"[^>]*checked|checked[^>]*value="support"', form)
    organiser.post(
        f"/staff/newsletter/issues/{issue_id}/edit", data={"subject-zh_Hans": "第八期",
            "body-zh_Hans": "新正文", "languages": ["en"]}
    )
    db.session.expire_all()
    issue = db.session.get(Issue, issue_id)
    assert (issue.body, issue.topics, issue.languages) == ({"zh_Hans": "新正文"}, "", "en")


def test_scheduled_issue_is_frozen_and_sent_when_due(app, make_user):
    """An issue scheduled for later is left alone until its time, then its audience is frozen and sent."""
    from datetime import timedelta

    from campaign.timeutil import utcnow

    add_subscribers(4)
    organiser = make_user(Role.ORGANISER)
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "定时"}, body={"zh_Hans": "正文"}), organiser)
    services.schedule(issue.id, utcnow() + timedelta(hours=1), organiser)
    assert worker.run_once(app, {"newsletter.schedule"}) == 0
    db.session.get(Issue, issue.id).scheduled_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert worker.run_once(app, {"newsletter.schedule"}) == 1
    db.session.expire_all()
    assert db.session.get(Issue, issue.id).status == "sending"
    assert db.session.scalar(select(func.count()).where(OutboxRow.issue_id == issue.id)) == 4


def test_petition_and_volunteer_segments_reach_only_opted_in_subscribers(app, make_user):
    """Per-petition and per-group audiences reach signers/volunteers who are confirmed subscribers, nobody else."""
    from campaign.petitions.models import Petition, Signature
    from campaign.volunteers.models import Membership, Volunteer, WorkingGroup

    add_subscribers(3, prefix="signer")  # signer0..2 confirmed subscribers
    petition = Petition(slug="stop-maskpark", title={"zh_Hans": "要求平台删除偷拍内容"})
    group = WorkingGroup(name={"zh_Hans": "政策倡导组", "en": "Policy advocacy"})
    db.session.add_all([petition, group])
    db.session.flush()
    db.session.add_all([
        Signature(petition_id=petition.id, email="signer0@example.net", name="a", status="confirmed", newsletter=True),
        Signature(petition_id=petition.id, email="signer1@example.net", name="b", status="confirmed", newsletter=False),
        Signature(petition_id=petition.id, email="nobody@example.net", name="c", status="confirmed", newsletter=True),
    ])
    volunteer = Volunteer(nickname="小林", email="signer2@example.net", status="active")
    db.session.add(volunteer)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, volunteer_id=volunteer.id))
    db.session.commit()
    organiser = make_user(Role.ORGANISER)
    options = dict(segments.options(organiser))
    assert f"petition:{petition.id}" in options and f"volunteer-group:{group.id}" in options

    def count(segment: str) -> int:
        return services.audience_count(
            services.create_issue(services.IssueData(subject={"zh_Hans": "s"}, body={"zh_Hans": "b"},
                segment=segment), organiser)
        )

    assert count(f"petition:{petition.id}") == 1
    assert count(f"volunteer-group:{group.id}") == 1
    assert count("volunteer-status:active") == 1
    assert count("volunteer-status:new") == 0


def test_each_recipient_gets_the_issue_in_their_stored_locale_or_the_marked_fallback(sink_app, make_user):
    """A zh_Hant reader gets the Traditional text when written; an English reader, with no English
    written, gets the Chinese text marked lang="zh-Hans" under a note in English."""
    build, sink = sink_app
    sink.keep_raw = True
    other = build()
    with other.app_context():
        for address, locale in (("jian@example.org", "zh_Hans"), ("fan@example.org", "zh_Hant"),
                                ("ann@example.org", "en")):
            db.session.add(Subscriber(email=address, name=locale, status="confirmed", locale=locale))
        db.session.commit()
        organiser = make_user(Role.ORGANISER)
        issue = services.create_issue(services.IssueData(
            subject={"zh_Hans": "第一期：进展", "zh_Hant": "第一期：進展"},
            body={"zh_Hans": "{{name|朋友}}，这个月的进展。", "zh_Hant": "{{name|朋友}}，這個月的進展。"}), organiser)
        services.start_send(issue.id, organiser)
        assert _drain(other, issue.id).status == "sent"
        mails = {a: email.message_from_bytes(_raw_for(sink, a), policy=default_policy)
                 for a in ("jian@example.org", "fan@example.org", "ann@example.org")}
        assert mails["jian@example.org"]["Subject"] == "第一期：进展"
        assert mails["fan@example.org"]["Subject"] == "第一期：進展"
        traditional = mails["fan@example.org"].get_body(preferencelist=("html",)).get_content()
        assert "這個月的進展" in traditional and 'lang="zh-Hant"' in traditional and "fallback-note" not in traditional
        english = mails["ann@example.org"]
        assert english["Subject"] == "第一期：进展"
        html = english.get_body(preferencelist=("html",)).get_content()
        assert '<html lang="en">' in html and '<div lang="zh-Hans">' in html and "这个月的进展" in html
        assert "Not yet translated into English" in html
        assert "Not yet translated into English" in english.get_body(preferencelist=("plain",)).get_content()


def test_preview_of_an_untranslated_language_marks_the_fallback(app, make_user):
    """The preview for zh_Hant of an issue written only in Simplified Chinese shows it marked as such."""
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": "通知"}, body={"zh_Hans": "简体正文"}),
                                  make_user(Role.ORGANISER))
    html = services.preview_html(issue.id, "zh_Hant")
    assert '<html lang="zh-Hant">' in html and '<div lang="zh-Hans">' in html and "简体正文" in html
    assert 'class="fallback-note' in html
