"""People's data rights: a copy of everything the group holds on an address, and its deletion.

The mailed link carries only a keyed hash of the address, never the address itself; the person
types the address again on the page, which proves both that they read the mail and which
address it was, without putting an email address in a URL.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from campaign import erasure, notices, tokens
from campaign.audit import services as audit
from campaign.extensions import db
from campaign.features import registry
from campaign.links import absolute_url
from campaign.mail import services as mail
from campaign.privacy import normalise_email
from campaign.timeutil import utcnow

PURPOSE = "my-data"
LINK_HOURS = 24


class LinkInvalid(Exception):
    pass


class WrongAddress(Exception):
    pass


def _fingerprint(email: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"my-data:" + email.encode(), hashlib.sha256).hexdigest()[:32]


def collect(email: str) -> dict[str, list[dict[str, Any]]]:
    address = normalise_email(email)
    found = {holder.key: holder.collect(address) for holder in registry().data_rights}
    return {key: records for key, records in found.items() if records}


def request_link(email: str, locale: str) -> None:
    """Take a request for one's data: one notice, whatever the address, so neither the page nor
    its timing says whether the group knows it; the worker decides (`handle_request`)."""
    notices.queue("rights.link", normalise_email(email), locale)
    db.session.commit()


def handle_request(notice: notices.Notice) -> None:
    """Worker: mail a link to the address if the group holds anything on it; nothing otherwise."""
    if not collect(notice.address):
        return
    token = tokens.make(PURPOSE, _fingerprint(notice.address))
    link = absolute_url("rights.open_link", token=token)
    mail.send_unsolicited(notice.address, "rights_link", notice.locale,
                      _l("Your data at %(org)s", org=current_app.config["ORG_NAME"]), link=link, hours=LINK_HOURS)




def check(token: str, email: str) -> str:
    """The normalised address, if the link is genuine, unexpired and was sent to it."""
    try:
        fingerprint, _state = tokens.read(PURPOSE, token, LINK_HOURS * 3600)
    except tokens.TokenInvalid:
        raise LinkInvalid() from None
    address = normalise_email(email)
    if not hmac.compare_digest(fingerprint, _fingerprint(address)):
        raise WrongAddress()
    return address


def export(address: str) -> dict[str, Any]:
    """Everything held on the address, as one JSON-ready document."""
    audit.record(None, "data_rights.export", "person", "", "by the person")
    db.session.commit()
    return {"address": address, "exported_at": utcnow().isoformat(timespec="seconds"), "records": collect(address)}


def erase(address: str) -> dict[str, int]:
    """Erase the personal fields everywhere, in one transaction; counts and history stay."""
    touched = {holder.key: holder.erase(address) for holder in registry().data_rights}
    audit.record(None, "data_rights.erase", "person", "", ", ".join(f"{k}: {n}" for k, n in touched.items() if n))
    db.session.commit()
    erasure.settle(table for holder in registry().data_rights for table in holder.tables)
    return touched
