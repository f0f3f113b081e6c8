"""Composing transactional mail and queueing it; the worker's MAIL lane delivers it.

A message is written to `queued_mail` in the caller's transaction, due at once, and the commit
wakes the MAIL lane (`worker.wake_after_commit`). Requests never talk to the mail server: the lane
claims due rows in batches and sends them over one reused connection. A rollback discards the row
with everything else. A row the server will never take (a 5xx answer, an address no SMTP command
can carry) is marked failed with its reason and emptied, and the rest of the batch goes on.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import SMTP, SMTPUTF8
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import and_, delete, insert, select, update

from campaign import abuse, claims
from campaign.extensions import db
from campaign.features import Lane
from campaign.i18n import tag
from campaign.mail.models import QueuedMail
from campaign.mail.transport import PermanentFailure, TemporaryFailure, Transport
from campaign.timeutil import utcnow
from campaign.worker import wake_after_commit

logger = logging.getLogger(__name__)

# A claimed row belongs to the worker that claimed it for this long; then another may retry it.
_CLAIM = timedelta(minutes=10)
# After the server failed us mid-batch, the rest of the batch waits this long (no attempt counted).
_PAUSE = timedelta(seconds=30)
MAX_ATTEMPTS = 30
_ADDRESS = re.compile(r"\S+@\S+")


class UndeliverableAddress(ValueError):
    """An address the configured mail path cannot carry (non-ASCII before the @ without SMTPUTF8)."""


def needs_smtputf8(address: str) -> bool:
    """Whether only an SMTPUTF8 server can carry `address` (non-ASCII letters, e.g. josé@, 用户@)."""
    return not address.isascii()


def deliverable(address: str) -> bool:
    """Whether mail to `address` can leave: all ASCII, or MAIL_SMTPUTF8 says the server offers SMTPUTF8."""
    return not needs_smtputf8(address) or bool(current_app.config["MAIL_SMTPUTF8"])


def without_addresses(text: str) -> str:
    """A failure reason fit for a log line or a column: every address in it is replaced."""
    return _ADDRESS.sub("<address>", text)[:500]


def reply_code(reason: str) -> str:
    """The SMTP reply code alone, for log lines: a server's text often repeats the recipient's
    address or name."""
    found = re.search(r"\b[245]\d\d\b", reason)
    return found.group(0) if found else "no reply code"


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
    if needs_smtputf8(to):
        if not deliverable(to):
            raise UndeliverableAddress("non-ASCII address and MAIL_SMTPUTF8 is off")
        local, _sep, domain = to.rpartition("@")
        msg["To"] = Address(display_name=one_line(to_name), username=local, domain=domain)
    else:
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
        context.setdefault("html_lang", tag(locale))
        text = render_template(f"mail/{template}.txt", subject=subject_text, **context)
        html = render_template(f"mail/{template}.html", subject=subject_text, **context)
    return subject_text, text, html


def send_template(
    to: str, template: str, locale: str, subject: Any, to_name: str = "", **context: Any
) -> QueuedMail:
    """Queue a templated mail in the current transaction; it leaves after the commit."""
    subject_text, text, html = render(template, locale, subject, **context)
    return queue(build_message(to, subject_text, text, html, to_name=to_name))


def send_unsolicited(to: str, template: str, locale: str, subject: Any, **context: Any) -> bool:
    """Queue a mail that nobody signed in asked for (a confirmation link, "you are subscribed
    already", a sign-in or data link), unless the address has had UNSOLICITED_MAILS_PER_DAY today,
    all public forms together (campaign/abuse.py). No typed name goes into its `To:`."""
    if not abuse.allow_unsolicited(to):
        return False
    send_template(to, template, locale, subject, **context)
    return True


def queue(msg: EmailMessage) -> QueuedMail:
    """Add `msg` to the queue in the current transaction; the commit wakes the MAIL lane."""
    recipient = str(msg["To"].addresses[0].addr_spec)
    policy = SMTPUTF8 if needs_smtputf8(recipient) else SMTP
    row = QueuedMail(recipient=recipient, message=msg.as_bytes(policy=policy), next_attempt_at=utcnow())
    db.session.add(row)
    db.session.flush()
    wake_after_commit(Lane.MAIL)
    return row


def queue_built(messages: Sequence[tuple[str, bytes]]) -> int:
    """Queue already-built messages (recipient, bytes) in one statement, in the current transaction."""
    if not messages:
        return 0
    now = utcnow()
    db.session.execute(
        insert(QueuedMail),
        [{"recipient": to, "message": data, "next_attempt_at": now, "created_at": now, "attempts": 0,
          "last_error": ""} for to, data in messages],
    )
    wake_after_commit(Lane.MAIL)
    return len(messages)


def claim_due(limit: int) -> list[int]:
    """Claim up to `limit` due rows for this worker in one statement; safe with several workers."""
    now = utcnow()
    # Claim by moving the next attempt forward: no other worker sees these rows as due.
    claimed = claims.claim(
        QueuedMail,
        and_(QueuedMail.next_attempt_at <= now, QueuedMail.failed_at.is_(None)),
        {"next_attempt_at": now + _CLAIM},
        limit,
    )
    db.session.commit()
    return sorted(row.id for row in claimed)


def deliver_due(limit: int | None = None) -> int:
    """Worker job (MAIL lane): send due mail in batches over one connection.

    Returns how many rows it settled (delivered or failed for good)."""
    ids = claim_due(limit or int(current_app.config["MAIL_BATCH"]))
    if not ids:
        return 0
    return _deliver(ids)


def _deliver(ids: Sequence[int]) -> int:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    rows = db.session.execute(
        select(QueuedMail.id, QueuedMail.recipient, QueuedMail.message).where(QueuedMail.id.in_(ids))
    ).all()
    db.session.rollback()  # hold no transaction (nor SQLite's lock) while talking to the server
    delivered: list[int] = []
    handled = 0
    with Transport() as transport:
        for index, (row_id, recipient, message) in enumerate(rows):
            try:
                transport.send(sender, recipient, message)
            except TemporaryFailure as exc:
                _forget_delivered(delivered)
                delivered = []
                _defer(row_id, without_addresses(str(exc)))
                # The server is down or busy: hand the rest of the batch back for a later try.
                rest = [r[0] for r in rows[index + 1:]]
                if rest:
                    db.session.execute(
                        update(QueuedMail).where(QueuedMail.id.in_(rest)).values(next_attempt_at=utcnow() + _PAUSE)
                    )
                    db.session.commit()
                break
            except PermanentFailure as exc:
                _fail(row_id, without_addresses(str(exc)))
                handled += 1
                continue
            except Exception as exc:  # noqa: BLE001  (a poison row, e.g. an address no command can carry, fails alone)
                _fail(row_id, f"unsendable: {type(exc).__name__}")
                handled += 1
                continue
            handled += 1
            delivered.append(row_id)
            if len(delivered) >= 100:
                _forget_delivered(delivered)
                delivered = []
    _forget_delivered(delivered)
    return handled


def _forget_delivered(ids: list[int]) -> None:
    if ids:
        db.session.execute(delete(QueuedMail).where(QueuedMail.id.in_(ids)))
        db.session.commit()


def _defer(row_id: int, reason: str) -> None:
    row = db.session.get(QueuedMail, row_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = reason
    if row.attempts >= MAX_ATTEMPTS:
        db.session.commit()
        _fail(row_id, f"gave up after {row.attempts} attempts: {reason}")
        return
    row.next_attempt_at = utcnow() + timedelta(seconds=min(3600, 30 * 2 ** min(row.attempts, 7)))
    db.session.commit()
    logger.warning("mail %s deferred: %s", row_id, reply_code(reason))


def _fail(row_id: int, reason: str) -> None:
    """Mark a row failed for good with its reason; its message and recipient are not kept."""
    db.session.execute(
        update(QueuedMail)
        .where(QueuedMail.id == row_id)
        .values(failed_at=utcnow(), last_error=reason[:500], message=b"", recipient="")
    )
    db.session.commit()
    logger.error("mail %s failed for good: %s", row_id, reply_code(reason))


def failed_count() -> int:
    """How many queued mails failed for good (an admin may look into why)."""
    failed = select(db.func.count()).select_from(QueuedMail).where(QueuedMail.failed_at.is_not(None))
    return int(db.session.scalar(failed) or 0)


def dev_mailbox() -> list[Path]:
    """The .eml files written when no mail server is configured, newest first."""
    folder = Path(current_app.config["MAIL_OUTBOX_DIR"])
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.eml"), reverse=True)


def dev_mailbox_search(search: str = "") -> list[Path]:
    """The development mailbox's files whose To or Subject contains `search` (any case), newest
    first; only the headers are read."""
    found = dev_mailbox()
    if not search:
        return found
    needle = search.casefold()
    parser = BytesHeaderParser(policy=policy.default)
    kept = []
    for path in found:
        with path.open("rb") as handle:
            headers = parser.parse(handle)
        if needle in f"{headers.get('To', '')} {headers.get('Subject', '')}".casefold():
            kept.append(path)
    return kept
