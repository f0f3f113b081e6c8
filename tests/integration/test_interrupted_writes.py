"""A request that fails half-way through its work leaves no half-written record behind."""
from __future__ import annotations

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.mail import services as mail
from campaign.mail.models import QueuedMail
from campaign.volunteers.models import Volunteer
from tests.conftest import Client


def _sign_up(client, email: str):
    return client.post("/volunteer", data={
        "nickname": "小雨", "email": email, "languages": ["zh"], "consent_data": "y", "motivation": "想帮忙",
    })


def _count(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Volunteer).where(Volunteer.email == email))


def test_failure_after_the_first_write_rolls_everything_back(make_app, inbox, monkeypatch):
    """The volunteer row is written, then composing the confirmation mail fails (in the worker, which
    handles sign-ups off the request): neither the row nor a queued mail remains, and the visitor's
    answer is the one everyone gets."""
    app = make_app(TESTING=False)
    app.test_client_class = Client
    with app.app_context():
        client = app.test_client()
        assert _sign_up(client, "works@example.org").status_code in (200, 302)
        assert _count("works@example.org") == 1
        queued_before = db.session.scalar(select(func.count()).select_from(QueuedMail))

        def broken(*args, **kwargs):
            raise RuntimeError("mail template broke half-way")

        monkeypatch.setattr(mail, "send_template", broken)
        response = _sign_up(client, "halfway@example.org")
        assert response.status_code == 200
        assert "Traceback" not in response.get_data(as_text=True)
        assert _count("halfway@example.org") == 0
        assert db.session.scalar(select(func.count()).select_from(QueuedMail)) == queued_before
        db.session.remove()
