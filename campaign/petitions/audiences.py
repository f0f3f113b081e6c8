"""The newsletter audience this feature owns: signers of a petition who opted in there.

It only narrows the list: the newsletter still sends to confirmed subscribers alone, so a signer
who did not opt in (or left) is never reached through it.
"""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, update

from campaign.auth.models import User
from campaign.content import pick
from campaign.extensions import db
from campaign.features import Audience, Leave
from campaign.i18n import locale_code
from campaign.newsletter.models import Subscriber
from campaign.petitions.models import Petition, Signature, SignatureStatus


def _as_int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else -1


def _signers(value: str | None, sender: User | None) -> Select[int]:
    """Subscribers who signed petition `value`, confirmed their signature and opted in there."""
    return select(Subscriber.id).join(Signature, Signature.email == Subscriber.email).where(
        Signature.petition_id == _as_int(value),
        Signature.status == SignatureStatus.CONFIRMED.value,
        Signature.newsletter.is_(True),
    )


def _petitions(sender: User | None) -> list[tuple[str, str]]:
    """Each petition with its title in the language of the page the sender is on."""
    reader = locale_code(get_locale())
    rows = db.session.execute(select(Petition.id, Petition.title).order_by(Petition.id.desc())).all()
    return [(str(pid), pick(title, reader)) for pid, title in rows]


SIGNERS = Audience("petition", _l("Signers of a petition"), _signers, choices=_petitions)


def _update_followers(value: str | None, sender: User | None) -> Select[int]:
    """Confirmed signers of petition `value` who ticked "mail me news of this petition"."""
    return select(Subscriber.id).join(Signature, Signature.email == Subscriber.email).where(
        Signature.petition_id == _as_int(value),
        Signature.status == SignatureStatus.CONFIRMED.value,
        Signature.updates.is_(True),
    )


def _stop_updates(value: str | None, email: str) -> None:
    """The unsubscribe link under this petition's news: no more of it, the rest of the mail stays."""
    db.session.execute(
        update(Signature).where(Signature.petition_id == _as_int(value), Signature.email == email)
        .values(updates=False),
        execution_options={"synchronize_session": False},
    )


def _describe(value: str | None) -> str:
    title = db.session.scalar(select(Petition.title).where(Petition.id == _as_int(value)))
    return _("news of the petition “%(title)s”", title=pick(title or {}, locale_code(get_locale())))


# `limited`: also reaches people who subscribed for this petition's news alone (not the newsletter).
UPDATE_FOLLOWERS = Audience("petition-updates", _l("Signers who asked for a petition's news"), _update_followers,
                            choices=_petitions, limited=True, leave=Leave(_stop_updates, _describe))
