"""Abuse control that does not depend on the visitor's address.

Many genuine visitors share one address (Tor, a street stall's Wi-Fi, a carrier's NAT), so limits
are keyed on what they protect:
- `allow_unsolicited(email)`: strangers can make the app send at most UNSOLICITED_MAILS_PER_DAY
  mails a day to one address, across every public form together (signing, subscribing,
  volunteering, /my-data, volunteer sign-in links), from whatever address they come. Only a keyed
  hash of the address and a day's counter are stored.
- `public_form_limit`: the per-address limit on public forms is only a flood ceiling
  (PUBLIC_FORM_PER_MINUTE, default 120), loose enough that 60 people behind one address can each
  sign within a minute. Nothing throttles a petition as a whole.
- `too_quick()`: a form sent sooner than FORM_MIN_SECONDS after the page was made is a bot's; it
  works without JavaScript, from the time Flask-WTF signs into the form's CSRF token.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Sequence
from datetime import date, timedelta

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import Date, Integer, String, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import Model, db
from campaign.privacy import normalise_email
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)


def public_form_limit() -> str:
    """Flask-Limiter's limit per visitor address (hashed) on public POST forms: a ceiling against
    one machine flooding the database, not a limit on people; the mail cap stops mail bombing."""
    return f"{current_app.config['PUBLIC_FORM_PER_MINUTE']} per minute"


def costly_form_limit() -> str:
    """The ceiling for public forms that each cost a slow key derivation (the help desk's
    questionnaire and receipt-code pages): a quarter of PUBLIC_FORM_PER_MINUTE."""
    return f"{max(1, current_app.config['PUBLIC_FORM_PER_MINUTE'] // 4)} per minute"


class MailCap(Model):
    """How many unsolicited mails went to one address (as a keyed hash) on one day (UTC)."""

    __tablename__ = "mail_caps"

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    sent: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<MailCap {self.day} {self.sent}>"


def _address_hash(email: str) -> str:
    key = hashlib.blake2b(current_app.config["SECRET_KEY"].encode(), digest_size=32, person=b"mail-cap").digest()
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def allow_unsolicited(email: str) -> bool:
    """Count one unsolicited mail to `email` today; False (count unchanged) when over the cap."""
    return allow_unsolicited_many([email])[0]


def allow_unsolicited_many(emails: Sequence[str]) -> list[bool]:
    """For each address in turn, count one unsolicited mail today, or say False (count unchanged)
    when the address is over the cap.

    Runs in the caller's transaction, so a rolled-back sign-up leaves no count. Each round is one
    statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE sent < cap RETURNING) for distinct
    addresses, so concurrent requests and workers on SQLite or PostgreSQL can never both take the
    last mail; a batch of confirmations costs one statement instead of one per signer. An address
    given twice waits for the next round (a row may be changed once per statement).
    """
    cap = current_app.config["UNSOLICITED_MAILS_PER_DAY"]
    if cap <= 0:
        return [False] * len(emails)
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    today = utcnow().date()
    hashes = [_address_hash(email) for email in emails]
    allowed = [False] * len(emails)
    waiting = list(range(len(emails)))
    while waiting:
        this_round: dict[str, int] = {}
        later: list[int] = []
        for index in waiting:
            if hashes[index] in this_round:
                later.append(index)
            else:
                this_round[hashes[index]] = index
        rows = insert(MailCap).values([{"address_hash": h, "day": today, "sent": 1} for h in this_round])
        stmt = rows.on_conflict_do_update(
            index_elements=[MailCap.address_hash, MailCap.day],
            set_={"sent": MailCap.sent + 1},
            where=MailCap.sent < cap,
        ).returning(MailCap.address_hash)
        for counted in db.session.scalars(stmt):
            allowed[this_round[counted]] = True
        waiting = later
    refused = allowed.count(False)
    if refused:
        logger.info("unsolicited mail cap reached for %d address(es); no mail queued", refused)
    return allowed


def forget_old_counts() -> int:
    """Delete the counters of days before yesterday: nothing about past days is kept."""
    cutoff = utcnow().date() - timedelta(days=1)
    result = db.session.execute(delete(MailCap).where(MailCap.day < cutoff))
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def too_quick() -> bool:
    """Whether this form POST came sooner after its page than FORM_MIN_SECONDS (a bot's speed).

    The time is the one Flask-WTF signed into the form's CSRF token when it rendered the page, so
    no JavaScript and no extra field are needed. A token that cannot be read is left to the CSRF
    check, which refuses it.
    """
    minimum = current_app.config["FORM_MIN_SECONDS"]
    if minimum <= 0:
        return False
    token = request.form.get("csrf_token", "")
    serializer = URLSafeTimedSerializer(
        current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.config["SECRET_KEY"], salt="wtf-csrf-token"
    )
    try:
        _value, signed_at = serializer.loads(token, return_timestamp=True)
    except BadData:
        return False
    return bool(time.time() - signed_at.timestamp() < minimum)
