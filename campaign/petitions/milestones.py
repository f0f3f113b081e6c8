"""Milestones: counts configured per petition that, once passed, prompt sharing on the petition
page and (for organisers who opted in) send a mail. Each is recorded exactly once, in the
transaction whose count passes it: the conditional UPDATE of the petition's row decides."""
from __future__ import annotations

import logging
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from campaign import claims, worker
from campaign.audit import services as audit
from campaign.auth.models import Role, User
from campaign.extensions import db, rowcount
from campaign.features import Lane
from campaign.links import absolute_url
from campaign.mail import services as mail
from campaign.petitions.models import MilestonePassed, MilestoneWatcher, Petition
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)


def parse_milestones(text: str) -> list[int]:
    """'100, 1000 5000' -> [100, 1000, 5000]; raises ValueError on anything but positive counts."""
    parts = [part for part in re.split(r"[\s,，]+", text.strip()) if part]
    if any(not part.isascii() or not part.isdigit() or int(part) <= 0 or len(part) > 9 for part in parts):
        raise ValueError(text)
    return sorted({int(part) for part in parts})


def note_count_change(petition_id: int) -> int | None:
    """In the caller's transaction, after its count went up: if the count has passed a configured
    milestone above the last one recorded, record it (once: the conditional UPDATE on the
    petition's row decides between concurrent transactions) and return it."""
    row = db.session.execute(
        select(Petition.signature_count, Petition.milestones, Petition.milestone_reached).where(
            Petition.id == petition_id)
    ).first()
    if row is None or not row.milestones:
        return None
    count, configured, reached = row
    passed = max((m for m in parse_milestones(configured) if m <= count), default=0)
    if passed <= reached:
        return None
    won = rowcount(db.session.execute(
        update(Petition)
        .where(Petition.id == petition_id, Petition.milestone_reached < passed)
        # Not an edit: updated_at keeps the last edit (the page's cache key reads the milestone).
        .values(milestone_reached=passed, updated_at=Petition.updated_at)
    ))
    if not won:
        return None
    db.session.execute(insert(MilestonePassed).values(petition_id=petition_id, milestone=passed,
                                                      passed_at=utcnow(), mail_due=True))
    worker.wake_after_commit(Lane.MAIL)
    logger.info("petition %s passed %s signatures", petition_id, passed)
    return passed


def watching(user: User) -> bool:
    return db.session.get(MilestoneWatcher, user.id) is not None


def set_watching(user: User, on: bool) -> None:
    """Opt a staff member in or out of milestone mails."""
    found = db.session.get(MilestoneWatcher, user.id)
    if on and found is None:
        db.session.add(MilestoneWatcher(user_id=user.id))
    elif not on and found is not None:
        db.session.delete(found)
    audit.record(user, "petition.milestone_mail.on" if on else "petition.milestone_mail.off", "user", user.id)
    db.session.commit()


def send_milestone_mails(limit: int = 50) -> int:
    """Worker (MAIL lane): mail each passed milestone, once, to the organisers who opted in.

    The row is claimed and its mails queued in one transaction, so several workers never mail
    the same milestone twice and a crash before the commit leaves it due."""
    claimed = [row.id for row in claims.claim(MilestonePassed, MilestonePassed.mail_due.is_(True),
                                              {"mail_due": False}, limit)]
    if not claimed:
        db.session.commit()
        return 0
    watchers = [user for user in db.session.scalars(
        select(User).join(MilestoneWatcher, MilestoneWatcher.user_id == User.id).where(User.disabled_at.is_(None))
    ) if user.has_role(Role.ORGANISER, Role.ADMIN)]
    sent = 0
    for passed, petition in db.session.execute(
        select(MilestonePassed, Petition).join(Petition, Petition.id == MilestonePassed.petition_id)
        .where(MilestonePassed.id.in_(claimed))
    ).all():
        for user in watchers:
            title = petition.text("title", user.locale)
            mail.send_template(
                user.email, "petition_milestone", user.locale,
                _l("%(count)s signatures: %(title)s", count=f"{passed.milestone:,}", title=title),
                title=title, count=f"{passed.milestone:,}",
                link=absolute_url("petitions.signatures", petition_id=petition.id),
            )
            sent += 1
    db.session.commit()
    return sent
