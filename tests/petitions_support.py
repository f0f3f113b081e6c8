"""Helpers shared by the petition tests: a petition, signing through the form, mailed links."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from campaign.extensions import db
from campaign.markup import render_translations
from campaign.petitions.models import TRANSLATED, Petition, Signature
from campaign.worker import run_once
from tests.conftest import Inbox, deliver_now

TEXTS = {
    "title": {"zh_Hans": "要求平台下架偷拍内容", "en": "Take down covert recordings"},
    "body": {"zh_Hans": "我们要求**平台**行动。", "en": "We ask **platforms** to act."},
}


def make_petition(slug: str = "takedown", status: str = "open", **fields: Any) -> Petition:
    """A petition; a translated field is given as `{locale code: text}` (the defaults: TEXTS)."""
    values: dict[str, Any] = {"goal": 100, **TEXTS, **fields}
    petition = Petition(slug=slug, status=status,
                        **{name: value for name, value in values.items() if name not in TRANSLATED})
    for name in TRANSLATED:
        petition.set_text(name, values.get(name))
    petition.body_html = render_translations(petition.body)
    db.session.add(petition)
    db.session.commit()
    return petition


def sign(client: FlaskClient, slug: str = "takedown", email: str = "ann@example.org", **fields: Any) -> Any:
    data = {"name": "Ann Lee", "email": email, "display": "full", "region": "广东", "comment": ""}
    data.update(fields)
    return client.post(f"/petitions/{slug}/sign", data=data)


def send_mail(app: Flask) -> int:
    """Run the MAIL lane's jobs that compose and deliver confirmation mails (as `flask worker` would)."""
    composed = run_once(app, {"petitions.confirmations"})
    deliver_now(app)
    return composed


def mailed_paths(inbox: Inbox, address: str) -> tuple[str, str]:
    """(confirm path, withdraw path) from the last confirmation mail to `address`."""
    links = Inbox.links(inbox.last_to(address))
    confirm = next(urlsplit(link).path for link in links if "/petition-confirm/" in link)
    withdraw = next(urlsplit(link).path for link in links if "/petition-withdraw/" in link)
    return confirm, withdraw


def sign_and_confirm(app: Flask, client: FlaskClient, inbox: Inbox, email: str, slug: str = "takedown",
                     **fields: Any) -> Signature:
    assert sign(client, slug, email, **fields).status_code == 303
    send_mail(app)
    confirm, _withdraw = mailed_paths(inbox, email)
    assert client.post(confirm, data={}).status_code == 303
    db.session.expire_all()
    signature = db.session.query(Signature).filter_by(email=email).one()
    assert signature.status == "confirmed"
    return signature


def count(petition_id: int) -> int:
    db.session.expire_all()
    petition = db.session.get(Petition, petition_id)
    assert petition is not None
    return petition.signature_count
