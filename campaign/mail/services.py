"""Composing transactional mail and delivering it after the transaction that caused it commits.

A message is written to `queued_mail` in the caller's transaction. When that transaction commits,
the request (or job) that made it tries to deliver it at once; if the server is down or slow, the
row stays and the worker retries with back-off. A rollback discards it with everything else.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from campaign.extensions import db
from campaign.mail.models import QueuedMail
from campaign.mail.transport import PermanentFailure, TemporaryFailure, Transport
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)

_PENDING = "mail_pending"
_COMMITTED = "mail_committed"
# A fresh row belongs to the request that made it for this long before the worker may take it.
_GRACE = timedelta(minutes=2)
MAX_ATTEMPTS = 30


def one_line(value: str) -> str:
    """Header-safe text: line breaks and other control characters become spaces."""
    return "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in value).strip()


def sender_address() -> Address:
    cfg = current_app.config
    return Address(display_name=one_line(cfg["ORG_NAME"]), addr_spec=cfg["MAIL_DEFAULT_SENDER"])


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str,
    to_name: str = "",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A multipart (plain text + HTML) message with RFC 2047-safe headers."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender_address()
    msg["To"] = Address(display_name=one_line(to_name), addr_spec=to)
    msg["Subject"] = one_line(subject)
    msg["Date"] = formatdate(localtime=False)
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    for name, value in (headers or {}).items():
        msg[name] = one_line(value)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def render(template: str, locale: str, subject: Any, **context: Any) -> tuple[str, str, str]:
    """Render `mail/<template>.txt` and `.html` and the subject in the recipient's language."""
    with force_locale(locale):
        subject_text = str(subject)
        context.setdefault("org_name", current_app.config["ORG_NAME"])
        context.setdefault("html_lang", "en" if locale.startswith("en") else "zh-Hans")
        text = render_template(f"mail/{template}.txt", subject=subject_text, **context)
        html = render_template(f"mail/{template}.html", subject=subject_text, **context)
    return subject_text, text, html


def send_template(
    to: str, template: str, locale: str, subject: Any, to_name: str = "", **context: Any
) -> QueuedMail:
    """Queue a templated mail in the current transaction; it leaves after the commit."""
    subject_text, text, html = render(template, locale, subject, **context)
    return queue(build_message(to, subject_text, text, html, to_name=to_name))


def queue(msg: EmailMessage) -> QueuedMail:
    row = QueuedMail(
        recipient=str(msg["To"].addresses[0].addr_spec),
        message=msg.as_bytes(policy=SMTP),
        next_attempt_at=utcnow() + _GRACE,
    )
    db.session.add(row)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(row.id)
    return row


@event.listens_for(Session, "after_commit")
def _mark_committed(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        session.info.setdefault(_COMMITTED, []).extend(ids)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def deliver_committed() -> int:
    """Deliver what this session's committed transactions queued. Returns how many left."""
    ids = db.session.info.pop(_COMMITTED, None)
    if not ids:
        return 0
    rows = db.session.scalars(select(QueuedMail).where(QueuedMail.id.in_(ids))).all()
    return _deliver(list(rows))


def deliver_due(limit: int = 200) -> int:
    """Worker job: retry queued mail whose time has come. Safe with several workers."""
    now = utcnow()
    candidates = db.session.scalars(
        select(QueuedMail).where(QueuedMail.next_attempt_at <= now).order_by(QueuedMail.id).limit(limit)
    ).all()
    claimed = []
    for row in candidates:
        # Claim by moving the next attempt forward; only one worker's update matches.
        won = db.session.execute(
            update(QueuedMail)
            .where(QueuedMail.id == row.id, QueuedMail.next_attempt_at == row.next_attempt_at)
            .values(next_attempt_at=now + timedelta(minutes=10))
        ).rowcount
        if won:
            claimed.append(row.id)
    db.session.commit()
    if not claimed:
        return 0
    rows = db.session.scalars(select(QueuedMail).where(QueuedMail.id.in_(claimed))).all()
    return _deliver(list(rows))


def _code(answer: str) -> str:
    """The SMTP reply code alone: the server's text often repeats the recipient's address."""
    head = answer.strip()[:3]
    return head if head.isdigit() else "no reply code"


def _deliver(rows: list[QueuedMail]) -> int:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    delivered = 0
    with Transport() as transport:
        for row in rows:
            try:
                transport.send(sender, row.recipient, row.message)
            except TemporaryFailure as exc:
                row.attempts += 1
                row.last_error = str(exc)[:500]
                if row.attempts >= MAX_ATTEMPTS:
                    logger.error("mail %s given up after %s attempts", row.id, row.attempts)
                    db.session.delete(row)
                else:
                    backoff = timedelta(seconds=min(3600, 30 * 2 ** min(row.attempts, 7)))
                    row.next_attempt_at = utcnow() + backoff
                    logger.warning("mail %s deferred: %s", row.id, _code(row.last_error))
                db.session.commit()
                continue
            except PermanentFailure as exc:
                logger.error("mail %s refused for good: %s", row.id, _code(str(exc)))
                db.session.execute(delete(QueuedMail).where(QueuedMail.id == row.id))
                db.session.commit()
                continue
            db.session.execute(delete(QueuedMail).where(QueuedMail.id == row.id))
            db.session.commit()
            delivered += 1
    return delivered


def dev_mailbox() -> list[Path]:
    """The .eml files written when no mail server is configured, newest first."""
    folder = Path(current_app.config["MAIL_OUTBOX_DIR"])
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.eml"), reverse=True)
