"""Public requests that may mail someone, handled off the request.

A public form that takes an email address (subscribe, volunteer sign-up, volunteer sign-in,
/my-data) must not tell anyone, by its page or by its timing, whether the address is known. So
the request does the same small thing whatever the address: it stores one notice (`queue`) and
commits. The worker then looks the address up and decides what, if anything, to mail: a
confirmation link, "you are already subscribed", a sign-in link, or nothing at all.

Each feature declares the handler for its kinds in its manifest (`notice_handlers`). A handler runs in the notice's
own transaction and queues its mail with `campaign.mail.services.send_template`; the notice is
deleted in the same transaction, so a crash repeats a notice rather than losing it. Notices hold
an address and the form's answers for seconds; they are never logged.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import Model, db, rowcount
from campaign.features import Lane, registry
from campaign.timeutil import utcnow
from campaign.worker import wake_after_commit

logger = logging.getLogger(__name__)


class PublicNotice(Model):
    __tablename__ = "public_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    payload: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<PublicNotice {self.id} {self.kind}>"


@dataclass(frozen=True)
class Notice:
    """What a handler receives: the address, the page's language and the form's answers."""

    id: int
    kind: str
    address: str
    locale: str
    data: dict[str, Any]


def queue(kind: str, address: str, locale: str, **data: Any) -> None:
    """Store a notice in the caller's transaction; the worker handles it after the commit."""
    db.session.add(PublicNotice(kind=kind, address=address, locale=locale,
                                payload=json.dumps(data, ensure_ascii=False, default=str)))
    wake_after_commit(Lane.MAIL)


def handle_due(limit: int = 100) -> int:
    """Worker job: handle waiting notices, each in its own transaction. Safe with several workers."""
    ids = list(db.session.scalars(select(PublicNotice.id).order_by(PublicNotice.id).limit(limit)))
    db.session.commit()
    done = 0
    for notice_id in ids:
        row = db.session.get(PublicNotice, notice_id)
        if row is None:
            continue
        notice = Notice(row.id, row.kind, row.address, row.locale, json.loads(row.payload or "{}"))
        # Claim by deleting: only one worker's delete matches, and its handler's work commits with it.
        if not rowcount(db.session.execute(delete(PublicNotice).where(PublicNotice.id == notice_id))):
            db.session.rollback()
            continue
        handler = registry().notice_handlers.get(notice.kind)
        try:
            if handler is not None:
                handler(notice)
            else:
                logger.error("notice %s: no handler for kind %s", notice.id, notice.kind)
            db.session.commit()
        except OperationalError as exc:
            # The database, not the notice, is at fault (locked, restarting, connection lost): the
            # rollback restores the notice, and the next round handles it. Nothing is lost.
            db.session.rollback()
            logger.warning("notice %s (%s) waits for the database: %s", notice.id, notice.kind, type(exc).__name__)
            break
        except Exception as exc:  # noqa: BLE001  (one bad notice must not hold up the others, nor come back)
            db.session.rollback()
            # The exception's text may quote the address or the answers: log its type only.
            logger.error("notice %s (%s) failed and was dropped: %s", notice.id, notice.kind, type(exc).__name__)
            db.session.execute(delete(PublicNotice).where(PublicNotice.id == notice_id))
            db.session.commit()
            continue
        done += 1
    return done
