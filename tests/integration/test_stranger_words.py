"""Nothing a stranger types reaches someone else's inbox as the sender's words: confirmation
mails are addressed to the bare address, and greet nobody by a typed name, until the address is
confirmed (finding: a typed name went into To: and into the volunteer's greeting)."""
from __future__ import annotations

from email.message import EmailMessage

from campaign.worker import run_once
from tests.conftest import Inbox, deliver_now
from tests.integration.test_volunteers_signup import FORM
from tests.petitions_support import make_petition, sign

WORDS = "Your bank: call +1 555 0100"
VICTIM = "victim@example.net"


def _assert_only_our_words(msg: EmailMessage) -> None:
    to = msg["To"]
    assert to.addresses[0].display_name == "" and str(to) == VICTIM
    raw = msg.as_string()
    assert WORDS not in raw and "555 0100" not in raw
    assert "555 0100" not in Inbox.text(msg)


def test_petition_confirmation_carries_no_typed_name(app, client, inbox):
    make_petition()
    assert sign(client, email=VICTIM, name=WORDS).status_code == 303
    run_once(app, {"petitions.confirmations"})
    deliver_now(app)
    _assert_only_our_words(inbox.last_to(VICTIM))


def test_newsletter_confirmation_carries_no_typed_name(client, inbox):
    client.post("/subscribe", data={"email": VICTIM, "name": WORDS, "language": "en", "topics": ["policy"]})
    _assert_only_our_words(inbox.last_to(VICTIM))


def test_volunteer_confirmation_greets_no_typed_nickname(client, inbox):
    client.post("/volunteer", data={**FORM, "email": VICTIM, "nickname": WORDS[:40]})
    msg = inbox.last_to(VICTIM)
    _assert_only_our_words(msg)
    assert WORDS[:20] not in msg.as_string()
