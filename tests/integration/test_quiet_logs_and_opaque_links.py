"""Mailed links reveal nothing when decoded, Message-IDs name no row, and a full run of the public
flows, a newsletter send and failing SMTP answers leaves no address or name in any log line."""
from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from campaign import tokens
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter import services as newsletter
from campaign.newsletter.models import Issue, Subscriber
from campaign.worker import run_once
from tests.conftest import Inbox
from tests.petitions_support import make_petition, send_mail

SIGNER, SIGNER_NAME = "marker.signer@example.org", "Markername Signer"
READER, READER_NAME = "marker.reader@example.org", "Markername Reader"
HELPER, HELPER_NICK = "marker.helper@example.org", "标记小鹿"
REFUSED = "marker.refused@example.org"
EVERYONE = (SIGNER, SIGNER_NAME, READER, READER_NAME, HELPER, HELPER_NICK, REFUSED, "marker.", "Markername")


def _path(url: str) -> str:
    return urlsplit(url).path


def _tokens(messages: list) -> list[str]:
    """The token segments of every link mailed."""
    found = []
    for msg in messages:
        for url in Inbox.links(msg):
            for segment in _path(url).split("/"):
                if len(segment) >= 24:
                    found.append(segment)
    return found


def _decodes_to_nothing(token: str, ids: list[int]) -> None:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for address in (SIGNER, READER, HELPER):
        assert address.encode() not in raw.lower()
    assert b"example" not in raw and b".org" not in raw
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        pass
    else:
        raise AssertionError("a token decodes to JSON")
    text = raw.decode("latin-1")
    # Random bytes may hold any one character; these patterns of several would be a payload.
    assert not re.search(r"\[\d+,", text) and not re.search(r'"[a-z_.-]{3,}"', text)
    for row_id in ids:
        assert f"[{row_id}," not in text


def test_a_full_run_leaves_no_address_or_name_in_the_logs_and_links_are_opaque(app, client, inbox, login_as, caplog):
    caplog.set_level(logging.DEBUG)
    petition = make_petition()
    # Petition: sign, get the mail, confirm (with the newsletter ticked, in Chinese).
    client.post(f"/petitions/{petition.slug}/sign?lang=zh",
                data={"email": SIGNER, "name": SIGNER_NAME, "display": "full", "region": "广东", "comment": "",
                      "newsletter": "y"})
    send_mail(app)
    confirm = next(u for u in Inbox.links(inbox.last_to(SIGNER)) if "confirm" in u)
    client.post(_path(confirm), data={})
    # Newsletter: subscribe and confirm.
    client.post("/subscribe?lang=en", data={"email": READER, "name": READER_NAME, "language": "en"})
    client.post(_path(Inbox.links(inbox.last_to(READER))[0]), data={})
    # Volunteer: sign up, confirm, ask for a sign-in link, use it.
    client.post("/volunteer", data={"nickname": HELPER_NICK, "email": HELPER, "languages": ["zh"],
                                    "consent_data": "y", "motivation": "想帮忙"})
    client.post(_path(Inbox.links(inbox.last_to(HELPER))[0]), data={})
    client.post("/volunteer/signin", data={"email": HELPER})
    client.post(_path(Inbox.links(inbox.last_to(HELPER))[0]), data={})
    # My data: ask, open the link, download.
    client.post("/my-data/", data={"email": READER})
    client.post(_path(Inbox.links(inbox.last_to(READER))[0]), data={"email": READER})
    # A newsletter to everyone: one address is refused for good by the server.
    organiser = login_as(Role.ORGANISER)
    organiser.post("/staff/newsletter/issues/new",
                   data={"subject-zh_Hans": "第一期", "body-zh_Hans": "{{name|朋友}}，你好"})
    issue = db.session.scalars(select(Issue)).one()
    newsletter.start_send(issue.id, _user(issue.created_by_id))
    for _ in range(10):
        run_once(app, {"newsletter.dispatch"})
    assert inbox.to(READER)[-1]["Subject"] == "第一期"
    db.session.add(Subscriber(email=REFUSED, name="Markername Refused", status="confirmed", locale="zh_Hans"))
    db.session.commit()
    organiser.post("/staff/newsletter/issues/new",
                   data={"subject-zh_Hans": "第二期", "body-zh_Hans": "{{name|朋友}}，你好"})
    second = db.session.scalars(select(Issue).order_by(Issue.id.desc()).limit(1)).one()
    assert second.subject == {"zh_Hans": "第二期"}
    newsletter.start_send(second.id, _user(second.created_by_id))
    inbox.refuse_with = f"550 5.1.1 <{REFUSED}> Markername Refused: no such user here"
    for _ in range(10):
        run_once(app, {"newsletter.dispatch"})
    # A transactional mail the server defers, with the address in its answer.
    inbox.refuse_with = f"451 4.2.0 <{READER}> {READER_NAME} mailbox busy"
    client.post("/my-data/", data={"email": READER})
    inbox.refuse_with = None

    # aiosmtpd ("mail.log") is the test's own mail server, not the app: its chatter is left out.
    records = [r for r in caplog.records if not r.name.startswith("mail.log")]
    messages = [r.getMessage() for r in records]
    assert any("deferred" in m for m in messages) and any("refused for good" in m for m in messages)
    for record in records:
        line = record.getMessage() + (record.exc_text or "")
        for marker in EVERYONE:
            assert marker.lower() not in line.lower(), (record.name, line)

    subscribers = [s.id for s in db.session.scalars(select(Subscriber))]
    mailed = _tokens(inbox.messages)
    assert len(mailed) >= 8  # confirm, withdraw, subscribe, volunteer, sign-in, my-data, newsletter links
    for token in mailed:
        _decodes_to_nothing(token, subscribers)
    newsletters = [m for m in inbox.messages if m["Subject"] == "第一期"]
    assert newsletters
    for msg in newsletters:  # random: no issue id, no outbox row id
        assert re.fullmatch(r"<[0-9a-f]{32}@[\w.-]+>", str(msg["Message-ID"]))


def _user(user_id: int | None):
    from campaign.auth.models import User

    return db.session.get(User, user_id)


def test_every_purpose_makes_tokens_that_decode_to_noise(app):
    """Whatever a token carries (an address, ids, a time), decoded it shows none of it, and a token
    made for one purpose opens no other."""
    token = tokens.make("newsletter.confirm", 42, "someone@example.org")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    # Random bytes may hold any one or two characters; these runs would be the payload.
    assert b"someone" not in raw and b"example.org" not in raw and b"[42," not in raw and b'"newsletter' not in raw
    assert tokens.read("newsletter.confirm", token, 60) == (42, "someone@example.org")
    try:
        tokens.read("volunteer-signin", token, 60)
    except tokens.TokenInvalid:
        pass
    else:
        raise AssertionError("a token opened another purpose")
    try:
        tokens.read("newsletter.confirm", token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], 60)
    except (tokens.TokenInvalid, binascii.Error):
        pass
    else:
        raise AssertionError("a tampered token was accepted")
