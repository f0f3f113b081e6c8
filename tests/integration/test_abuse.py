"""Abuse control keyed on what it protects: the recipient's mailbox, not the visitor's address."""
from __future__ import annotations

import re
import threading
import time

from sqlalchemy import select

from campaign import abuse
from campaign.extensions import db
from campaign.petitions.models import Signature
from campaign.timeutil import utcnow
from tests.conftest import Client
from tests.integration.volunteer_factories import make_volunteer
from tests.petitions_support import make_petition, send_mail, sign

VICTIM = "victim@example.org"
VOLUNTEER_FORM = {"nickname": "小鹿", "contact_kind": "signal", "contact": "deer.01", "region": "成都",
                  "languages": ["zh"], "skills": ["research"], "hours_per_week": "4", "consent_data": "y",
                  "consent_contact": "y"}


def _fresh_client(app):
    app.test_client_class = Client
    return app.test_client()


def _forms(app, address):
    """Each public form that mails an address, posted by a stranger in a new browser."""
    return [
        lambda: _fresh_client(app).post("/subscribe", data={"email": address, "name": "x"}),
        lambda: _fresh_client(app).post("/volunteer/signin", data={"email": address}),
        lambda: _fresh_client(app).post("/my-data/", data={"email": address}),
        lambda: _fresh_client(app).post("/volunteer", data={**VOLUNTEER_FORM, "email": address}),
    ]


def test_one_address_gets_at_most_three_unsolicited_mails_a_day_across_all_forms(app, inbox):
    """Strangers using every public form, each from a new browser, reach the victim's mailbox 3
    times a day in all; every one of them sees the same answer as for any other address."""
    for n in range(3):
        make_petition(slug=f"p{n}")
    make_volunteer(email=VICTIM)  # so the sign-in link and /my-data have something to send
    answers = [sign(_fresh_client(app), f"p{n}", VICTIM).status_code for n in range(3)]
    send_mail(app)
    assert answers == [303, 303, 303] and len(inbox.to(VICTIM)) == 3
    for n, post in enumerate(_forms(app, VICTIM)):
        # The same form for another (known) address mails it, with the same answer.
        other = f"other{n}@example.org"
        make_volunteer(email=other)
        usual = _forms(app, other)[n]()
        send_mail(app)
        assert len(inbox.to(other)) == 1, other
        capped = post()
        assert (capped.status_code, _main(capped.text)) == (usual.status_code, _main(usual.text).replace(other, VICTIM))
    send_mail(app)
    assert len(inbox.to(VICTIM)) == 3
    # The capped signatures are all recorded; only the mails stopped.
    assert db.session.scalar(select(db.func.count()).select_from(Signature)) == 3


def _main(page: str) -> str:
    found = re.search(r"<main.*?</main>", page, re.DOTALL)
    text = found.group(0) if found else page
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", text)


def test_the_count_is_kept_as_a_keyed_hash_and_a_number_only(app, inbox):
    """The cap's table holds neither the address nor anything unkeyed derived from it."""
    assert abuse.allow_unsolicited("Victim@Example.org ")
    db.session.commit()
    rows = db.session.execute(select(abuse.MailCap)).scalars().all()
    assert len(rows) == 1 and rows[0].sent == 1 and rows[0].day == utcnow().date()
    assert "victim" not in rows[0].address_hash and len(rows[0].address_hash) == 64
    import hashlib

    assert rows[0].address_hash != hashlib.sha256(VICTIM.encode()).hexdigest()
    # Case and spacing do not give a fresh allowance.
    assert abuse.allow_unsolicited(VICTIM) and abuse.allow_unsolicited("VICTIM@example.org")
    assert not abuse.allow_unsolicited(VICTIM)
    db.session.commit()


def test_concurrent_requests_never_pass_the_cap(app, make_app, inbox):
    """Twenty simultaneous requests for one address: exactly three are allowed (SQLite and PostgreSQL)."""
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def attempt() -> None:
        with app.app_context():
            start.wait()
            for _try in range(50):  # SQLite may report 'database is locked' under a burst; retry
                try:
                    allowed = abuse.allow_unsolicited(VICTIM)
                    db.session.commit()
                    break
                except Exception:  # noqa: BLE001
                    db.session.rollback()
                    time.sleep(0.05)
            else:
                allowed = False
            with lock:
                results.append(allowed)
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20
    assert results.count(True) == 3


def test_old_day_counters_are_forgotten(app, inbox):
    """The worker deletes counters of past days."""
    from datetime import timedelta

    db.session.add(abuse.MailCap(address_hash="a" * 64, day=utcnow().date() - timedelta(days=3), sent=3))
    db.session.commit()
    assert abuse.forget_old_counts() == 1


def test_a_form_sent_faster_than_a_person_types_is_answered_but_not_saved(app, client, inbox):
    """Without JavaScript: the page's CSRF token carries when it was made; a POST within
    FORM_MIN_SECONDS of it is a bot's, answered as usual with nothing kept."""
    app.config["FORM_MIN_SECONDS"] = 1
    make_petition()
    token = _page_token(client)
    assert sign(client, email="fast@example.org", csrf_token=token).status_code == 303
    assert db.session.query(Signature).count() == 0
    token = _page_token(client)
    time.sleep(1.2)  # a person takes longer than that to fill the form in
    assert sign(client, email="person@example.org", csrf_token=token).status_code == 303
    assert db.session.query(Signature).count() == 1


def _page_token(client) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/petitions/takedown").text)
    assert found, "no CSRF token on the petition page"
    return found.group(1)


def test_a_batch_counts_each_address_in_turn_and_stops_at_the_cap(app, inbox):
    """The worker counts a batch of confirmations in one go: an address given four times in one
    batch (someone signing again and again) gets three mails, the others one each, and an address
    already at the cap gets none."""
    other, capped = "other@example.org", "capped@example.org"
    for _ in range(3):
        assert abuse.allow_unsolicited(capped)
    batch = [VICTIM, other, VICTIM, capped, VICTIM, VICTIM]
    assert abuse.allow_unsolicited_many(batch) == [True, True, True, False, True, False]
    db.session.commit()
    assert not abuse.allow_unsolicited(VICTIM)
    assert abuse.allow_unsolicited(other)
