"""Worker job of sign-in: forget ended sessions and abandoned second-factor enrolments."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, delete

from campaign import sessions
from campaign.auth.models import TotpEnrolment
from campaign.extensions import db
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)


def purge_sessions() -> int:
    """Delete session rows a day after they ended or went idle, and enrolments left for a day."""
    done = sessions.purge_ended(timedelta(days=1))
    gone: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        delete(TotpEnrolment).where(TotpEnrolment.created_at < utcnow() - timedelta(days=1))
    )
    db.session.commit()
    logger.info("purged %d sessions and %d enrolments", done, int(gone.rowcount or 0))
    return 0  # all of it done in one go: the worker need not run it again at once
