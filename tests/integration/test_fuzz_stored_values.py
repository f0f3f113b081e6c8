"""Hostile text either comes back as typed (trimmed of surrounding white space, except the help
form's free texts, kept exactly), or is refused with a message: nothing in between (no silent
truncation, no mangled Unicode). Checked on every public form that stores text (petition sign,
newsletter subscribe, volunteer sign-up, help form), with text full of CJK, emoji, RTL marks,
zero-width characters and surrounding spaces of every kind."""
from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from campaign.extensions import db, limiter
from campaign.petitions.models import Signature

NAMES = st.text(
    alphabet=st.one_of(
        st.sampled_from("张伟李娜王芳签名😀🙏\u202e\u200b\u200d<>&'\"=+-@ \t"),
        st.characters(blacklist_categories=("Cs",)),
    ),
    min_size=1,
    max_size=120,
)


def test_sign_form_stores_what_it_accepts(app, client):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    limiter.enabled = False
    counter = itertools.count()
    try:
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(name=NAMES, comment=st.text(max_size=600))
        def sign(name: str, comment: str) -> None:
            email = f"fuzz{next(counter)}@example.org"
            response = client.post("/petitions/maskpark-takedown/sign?lang=en", data={
                "name": name, "email": email, "comment": comment, "display": "initials"})
            assert response.status_code < 500
            stored = db.session.scalar(select(Signature).where(Signature.email == email))
            if stored is None:
                assert response.status_code == 400
                page = response.get_data(as_text=True)
                assert 'class="error"' in page or "control character (NUL)" in page  # refused, with a message
            else:
                assert stored.name == name.strip() and stored.comment == comment.strip()

        sign()
    finally:
        limiter.enabled = True


# --- every public form that stores text ----------------------------------------------------------
# The claim checked (README, safety record): what a form accepts is stored as typed, trimmed of
# surrounding white space (Python's str.strip: spaces, tabs, line breaks, U+3000 and the other
# Unicode spaces), except the help form's free texts (where, when, details), which are kept exactly
# as typed; otherwise it is refused with a message. Nothing else is changed or cut.

import re  # noqa: E402

from campaign.intake import services as intake  # noqa: E402
from campaign.newsletter.models import Subscriber  # noqa: E402
from campaign.volunteers.models import Volunteer  # noqa: E402
from tests.integration.intake_fixtures import PASSPHRASE  # noqa: E402
from tests.integration.test_volunteers_signup import FORM as VOLUNTEER_FORM  # noqa: E402

SPACES = st.sampled_from(["", " ", "  ", "\t", "\n", "\u3000", " \u2003", "\r\n "])
PADDED = st.tuples(SPACES, NAMES, SPACES).map("".join)


def _refused_with_message(response) -> bool:  # type: ignore[no-untyped-def]
    page = response.get_data(as_text=True)
    return response.status_code in (200, 400) and ('class="error"' in page or "control character (NUL)" in page)


def _check(client, url: str, base: dict, fields: list[str], stored_for, exact=()) -> None:  # type: ignore[no-untyped-def]
    counter = itertools.count()

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(values=st.lists(PADDED, min_size=len(fields), max_size=len(fields)))
    def submit(values: list[str]) -> None:
        email = f"stored{next(counter)}@example.org"
        data = {**base, "email": email, **dict(zip(fields, values, strict=True))}
        response = client.post(url, data=data)
        assert response.status_code < 500
        stored = stored_for(email, response)
        if stored is None:
            assert _refused_with_message(response), (url, values)
            return
        for name, typed in zip(fields, values, strict=True):
            expected = typed if name in exact else typed.strip()
            assert stored[name] == expected, (url, name, typed, stored[name])

    submit()


def test_subscribe_form_stores_what_it_accepts(app, client):
    limiter.enabled = False
    try:
        def stored(email, _response):  # type: ignore[no-untyped-def]
            row = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
            return None if row is None else {"name": row.name}

        _check(client, "/subscribe?lang=en", {"language": "en", "topics": ["policy"]}, ["name"], stored)
    finally:
        limiter.enabled = True


def test_volunteer_form_stores_what_it_accepts(app, client):
    limiter.enabled = False
    fields = ["nickname", "contact", "region", "skills_other", "motivation"]
    try:
        def stored(email, _response):  # type: ignore[no-untyped-def]
            row = db.session.scalar(select(Volunteer).where(Volunteer.email == email))
            return None if row is None else {name: getattr(row, name) for name in fields}

        _check(client, "/volunteer?lang=en", VOLUNTEER_FORM, fields, stored)
    finally:
        limiter.enabled = True


def test_help_form_stores_what_it_accepts(app, client):
    """The help form's answers are sealed: the check opens them with the group's key."""
    intake.create_key(PASSPHRASE)
    ring = intake.unlock(PASSPHRASE)
    fields = ["where", "found_when", "details", "name"]
    limiter.enabled = False
    try:
        def stored(_email, response):  # type: ignore[no-untyped-def]
            found = re.search(r'id="receipt-code"><code>([0-9A-Z-]+)</code>', response.get_data(as_text=True))
            if found is None:
                return None
            req, _code_key = intake.find_by_code(found.group(1))
            answers = intake.Answers.from_json(ring.open(req.answers_box))
            return {name: getattr(answers, name) for name in fields}

        _check(client, "/help?lang=en", {"kinds": ["deepfake"], "contact_method": "none"}, fields, stored,
               exact={"where", "found_when", "details"})
    finally:
        limiter.enabled = True
