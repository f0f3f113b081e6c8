"""A person gets a copy of what the group holds on their address, and can have it erased."""
from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.newsletter.models import Subscriber
from campaign.petitions.models import Petition, Signature
from campaign.volunteers.models import Volunteer
from tests.conftest import Inbox


def _link(inbox: Inbox, address: str) -> str:
    return next(u for u in Inbox.links(inbox.last_to(address)) if "/my-data/" in u).split("5000", 1)[1]


def test_copy_and_erasure_by_mailed_link(app, client, inbox: Inbox):
    """The link proves the mailbox; the copy holds every record; erasure keeps counts only."""
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    signature = db.session.scalar(select(Signature).where(Signature.status == "confirmed").limit(1))
    address = signature.email
    petition = db.session.get(Petition, signature.petition_id)
    count_before = petition.signature_count
    db.session.add(Subscriber(email=address, name="Reader", status="confirmed"))
    db.session.commit()

    response = client.post("/my-data/", data={"email": address.upper()})
    assert response.status_code == 200
    path = _link(inbox, address)
    assert address not in path  # no address in the URL

    assert client.post(path, data={"email": "someone.else@example.org", "download": "1"}).status_code == 400
    copy = client.post(path, data={"email": address, "download": "1"})
    document = json.loads(copy.get_data(as_text=True))
    assert document["records"]["petitions"][0]["petition"] == petition.slug
    assert document["records"]["newsletter"][0]["name"] == "Reader"

    refused = client.post(path, data={"email": address, "erase": "1"})
    assert refused.status_code == 400  # the confirmation box was not ticked
    done = client.post(path, data={"email": address, "erase": "1", "confirm_erase": "y"})
    assert done.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Signature).where(Signature.email == address)) == 0
    assert db.session.scalar(select(func.count()).select_from(Subscriber).where(Subscriber.email == address)) == 0
    assert db.session.get(Petition, petition.id).signature_count == count_before  # counts stay
    kept = db.session.get(Signature, signature.id)
    assert kept.status == "confirmed" and kept.name == "" and kept.display == "anonymous"


def test_volunteer_record_is_erased_but_work_stays(app, client, inbox: Inbox):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    volunteer = db.session.scalar(
        select(Volunteer).where(Volunteer.email.is_not(None), Volunteer.confirmed_at.is_not(None)).limit(1)
    )
    volunteer.email = address = "volunteer.reader@example.org"
    volunteer_id = volunteer.id
    db.session.commit()
    client.post("/my-data/", data={"email": address})
    path = _link(inbox, address)
    assert client.post(path, data={"email": address, "erase": "1", "confirm_erase": "y"}).status_code == 200
    erased = db.session.get(Volunteer, volunteer_id)
    assert erased.email is None and erased.nickname == "" and erased.erased_at is not None


def test_unknown_address_gets_the_same_answer_and_no_mail(client, inbox: Inbox):
    """Nobody can learn whether an address is known: the page is the same and no mail leaves."""
    known_page = client.post("/my-data/?lang=en", data={"email": "nobody@example.org"}).get_data(as_text=True)
    assert "Check your mail" in known_page
    assert inbox.messages == []


def test_tampered_or_foreign_link_does_nothing(client):
    response = client.post(
        "/my-data/not-a-token?lang=en", data={"email": "a@example.org", "erase": "1", "confirm_erase": "y"}
    )
    assert response.status_code == 400 and re.search("not valid", response.get_data(as_text=True))
