"""Hostile text either comes back exactly as typed, or is refused with a message: nothing in
between (no silent truncation, no mangled Unicode). Checked on the petition sign form, the
busiest public form, with names full of CJK, emoji, RTL marks and zero-width characters."""
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
