"""Transactional mail: sent after commit, never lost when the server is down, safe headers."""
from __future__ import annotations

from campaign import worker
from campaign.extensions import db
from campaign.mail import services as mail
from campaign.mail.models import QueuedMail
from tests.conftest import Inbox, deliver_now


def _queue(to="reader@example.org", name="读者", subject="你好，世界"):
    msg = mail.build_message(to, subject, "纯文本 https://example.org/x", "<p>HTML</p>", to_name=name)
    return mail.queue(msg)


def test_mail_leaves_only_after_commit(app, inbox: Inbox):
    """A rolled-back transaction sends nothing; a committed one sends its mail."""
    _queue()
    db.session.rollback()
    assert deliver_now(app) == 0
    assert inbox.messages == []
    _queue()
    assert inbox.messages == []  # not before the commit
    db.session.commit()
    assert deliver_now(app) == 1
    assert len(inbox.to("reader@example.org")) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(QueuedMail)) == 0


def test_chinese_subject_and_name_are_encoded(app, inbox: Inbox):
    """Chinese subjects and names arrive intact (RFC 2047), as multipart text + HTML."""
    _queue()
    db.session.commit()
    deliver_now(app)
    msg = inbox.last_to("reader@example.org")
    assert str(msg["Subject"]) == "你好，世界"
    assert msg["To"].addresses[0].display_name == "读者"
    assert msg["Message-ID"] and msg["Date"]
    assert {p.get_content_type() for p in msg.iter_parts()} == {"text/plain", "text/html"}


def test_line_breaks_never_reach_a_header(app, inbox: Inbox):
    """A name or subject with CR/LF cannot add a header (e.g. a hidden Bcc)."""
    _queue(name="Eve\r\nBcc: victim@example.org", subject="Hi\r\nBcc: victim@example.org")
    db.session.commit()
    deliver_now(app)
    msg = inbox.last_to("reader@example.org")
    assert msg["Bcc"] is None
    assert inbox.envelopes[-1][1] == ["reader@example.org"]


def test_mail_waits_while_the_server_refuses_and_goes_out_later(app, inbox: Inbox):
    """When the server answers 451, the mail stays queued and the worker sends it later."""
    inbox.refuse_with = "451 try later"
    _queue()
    db.session.commit()
    assert deliver_now(app) == 0
    row = db.session.scalar(db.select(QueuedMail))
    assert row.attempts == 1 and "451" in row.last_error
    inbox.refuse_with = None
    row.next_attempt_at = row.created_at  # its retry time has come
    db.session.commit()
    worker.run_once(app, {"mail.retry"})
    assert len(inbox.to("reader@example.org")) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(QueuedMail)) == 0


def test_mail_waits_while_the_server_is_down(make_app, inbox: Inbox):
    """With no server listening at all, nothing is lost: the mail is kept for the worker."""
    from tests.conftest import free_port

    app = make_app(MAIL_PORT=free_port())
    with app.app_context():
        _queue()
        db.session.commit()
        assert deliver_now(app) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(QueuedMail)) == 1
        db.session.execute(db.delete(QueuedMail))
        db.session.commit()


def test_dev_mailbox_keeps_mail_as_files_and_admins_read_it(make_app, inbox: Inbox, tmp_path):
    """Without MAIL_SERVER, mail is written as .eml files that an admin reads on a page."""
    from campaign.auth.models import Role
    from tests.conftest import Client, sign_in

    app = make_app(MAIL_SERVER="", MAIL_OUTBOX_DIR=str(tmp_path / "mail"))
    with app.app_context():
        _queue(subject="确认你的签名")
        db.session.commit()
        assert deliver_now(app) == 1
        assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
        from campaign.auth import services as auth

        admin = auth.create_user("boss@example.org", [Role.ADMIN], password="long enough password")
        app.test_client_class = Client
        client = sign_in(app.test_client(), admin)
        page = client.get("/admin/mailbox").get_data(as_text=True)
        assert "确认你的签名" in page
        name = next((tmp_path / "mail").glob("*.eml")).name
        assert "纯文本" in client.get(f"/admin/mailbox/{name}").get_data(as_text=True)
        assert client.get("/admin/mailbox/../secret_key").status_code == 404
    assert inbox.messages == []


def test_slow_server_does_not_hold_the_request_and_mail_goes_out_later(make_app, inbox: Inbox):
    """A server slower than MAIL_TIMEOUT is given up on; the mail stays queued and leaves later."""
    app = make_app(MAIL_TIMEOUT=0.5)
    with app.app_context():
        inbox.delay = 2.0
        _queue(to="patient@example.org")
        db.session.commit()
        assert deliver_now(app) == 0
        row = db.session.scalar(db.select(QueuedMail).where(QueuedMail.recipient == "patient@example.org"))
        assert row.attempts == 1 and row.last_error
        inbox.delay = 0.0
        row.next_attempt_at = row.created_at
        db.session.commit()
        worker.run_once(app, {"mail.retry"})
        assert inbox.to("patient@example.org")  # at least once: SMTP cannot promise exactly once here
        left = db.select(db.func.count()).select_from(QueuedMail).where(QueuedMail.recipient == "patient@example.org")
        assert db.session.scalar(left) == 0
        db.session.remove()
