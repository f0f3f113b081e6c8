"""Public volunteer sign-up: double opt-in, one record per address, spam guards."""
from __future__ import annotations

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.newsletter.models import Subscriber
from campaign.volunteers.models import Volunteer
from tests.conftest import Inbox
from tests.integration.volunteer_factories import make_group

FORM = {
    "nickname": "夜航", "email": "Night.Owl@Example.net ", "contact_kind": "signal", "contact": "nightowl.01",
    "region": "成都", "languages": ["zh", "en"], "skills": ["translation", "research"],
    "skills_other": "字幕", "hours_per_week": "4", "motivation": "我想帮忙。", "consent_data": "y",
    "consent_contact": "y",
}


def _confirm(client, inbox: Inbox, address: str) -> None:
    link = Inbox.links(inbox.last_to(address))[0]
    path = link.split("127.0.0.1:5000", 1)[1]
    assert client.get(path).status_code == 200
    assert client.post(path, data={}).status_code == 200


def test_sign_up_is_seen_by_organisers_only_after_confirmation(client, inbox, login_as):
    """Organisers see a volunteer only once the address has been confirmed by mail."""
    response = client.post("/volunteer", data=FORM)
    assert response.status_code == 200
    organiser = login_as("organiser")
    assert "夜航" not in organiser.get("/staff/volunteers").get_data(as_text=True)
    _confirm(client, inbox, "night.owl@example.net")
    assert "夜航" in organiser.get("/staff/volunteers").get_data(as_text=True)
    volunteer = db.session.scalar(select(Volunteer))
    assert volunteer.email == "night.owl@example.net"
    assert volunteer.skill_list == ["translation", "research"] and volunteer.hours_per_week == 4


def test_confirmation_link_works_once(client, inbox):
    """A confirmation link cannot be replayed."""
    client.post("/volunteer", data=FORM)
    link = Inbox.links(inbox.last_to("night.owl@example.net"))[0].split("127.0.0.1:5000", 1)[1]
    assert client.post(link, data={}).status_code == 200
    assert client.post(link, data={}).status_code == 400


def test_same_email_updates_the_record_only_when_confirmed(client, inbox):
    """Signing up again with the same address updates the one record, and only after confirming."""
    client.post("/volunteer", data=FORM)
    _confirm(client, inbox, "night.owl@example.net")
    client.post("/volunteer", data={**FORM, "email": "night.owl@example.net", "nickname": "新昵称", "region": "杭州"})
    volunteer = db.session.scalar(select(Volunteer))
    db.session.refresh(volunteer)
    assert volunteer.nickname == "夜航"  # someone typing my address changes nothing yet
    _confirm(client, inbox, "night.owl@example.net")
    db.session.refresh(volunteer)
    assert volunteer.nickname == "新昵称" and volunteer.region == "杭州"
    assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 1


def test_honeypot_keeps_nothing_and_answers_the_same(client, inbox):
    """A bot that fills the hidden field is told the same thing but nothing is stored or mailed."""
    response = client.post("/volunteer", data={**FORM, "website": "http://spam.example"})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 0
    assert inbox.messages == []


def test_consent_is_required_and_limits_are_enforced(client, inbox):
    """Without agreeing to data use, or with an overlong answer, nothing is saved and the form says why."""
    response = client.post("/volunteer", data={k: v for k, v in FORM.items() if k != "consent_data"})
    assert response.status_code == 200
    assert "We need your agreement" in response.get_data(as_text=True) or "同意" in response.get_data(as_text=True)
    client.post("/volunteer", data={**FORM, "motivation": "x" * 2001})
    assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 0
    assert inbox.messages == []


def test_confidential_and_closed_groups_are_not_offered(client, inbox):
    """Only open, non-confidential groups are listed, and a forged choice of another is dropped."""
    open_group = make_group(name={"zh_Hans": "翻译组", "en": "Translation"})
    secret = make_group(name={"zh_Hans": "幸存者支持", "en": "Survivor support"}, confidential=True)
    closed = make_group(name={"zh_Hans": "已满小组", "en": "Closed"}, open_to_interest=False)
    page = client.get("/volunteer?lang=en").get_data(as_text=True)
    assert "Translation" in page and "Survivor support" not in page and "Closed" not in page
    client.post("/volunteer", data={**FORM, "groups": [str(open_group.id)]})
    # A forged id is refused by the form's choices, so the sign-up is not taken at all.
    client.post("/volunteer", data={**FORM, "email": "b@example.net", "groups": [str(secret.id), str(closed.id)]})
    _confirm(client, inbox, "night.owl@example.net")
    volunteers = db.session.scalars(select(Volunteer)).all()
    assert [[g.id for g in v.interests] for v in volunteers] == [[open_group.id]]


def test_newsletter_opt_in_subscribes_on_confirmation(client, inbox):
    """Ticking the newsletter box adds a confirmed subscriber (source volunteer) once confirmed."""
    client.post("/volunteer", data={**FORM, "newsletter": "y"})
    assert db.session.scalar(select(Subscriber)) is None
    _confirm(client, inbox, "night.owl@example.net")
    subscriber = db.session.scalar(select(Subscriber))
    assert subscriber.email == "night.owl@example.net"
    assert subscriber.status == "confirmed" and subscriber.source == "volunteer"


def test_sign_up_is_rate_limited(app, client, inbox):
    """Floods of sign-ups from one visitor are refused."""
    app.config["PUBLIC_FORM_PER_MINUTE"] = 5  # the flood ceiling (120 by default), lowered to test it
    # Twelve tries: even if a minute boundary splits them, one window holds six, one over the limit.
    codes = [client.post("/volunteer", data={**FORM, "email": f"n{i}@example.net"}).status_code for i in range(12)]
    assert codes[0] == 200 and 429 in codes


def test_mail_goes_out_in_the_language_of_the_form(client, inbox):
    """Someone who signs up on the Chinese page gets the confirmation in Chinese; on the English page, in English."""
    client.post("/volunteer?lang=zh", data=FORM)
    assert "确认" in str(inbox.last_to("night.owl@example.net")["Subject"])
    client.post("/volunteer?lang=en", data={**FORM, "email": "en@example.net"})
    assert "confirm" in str(inbox.last_to("en@example.net")["Subject"])
