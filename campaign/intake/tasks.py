"""Worker jobs: deleting closed cases after their retention period, and forgetting idle unlocks."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app

from campaign.intake import services as intake
from campaign.intake.unlock import purge_stale
from campaign.timeutil import org_today


def delete_expired_cases() -> int:
    """Delete help requests closed more than INTAKE_RETENTION_DAYS ago (counted in the organisation's
    days, as the closing date is)."""
    return intake.purge_expired(org_today(), current_app.config["INTAKE_RETENTION_DAYS"])


def sweep_unlocks() -> int:
    """Delete unlocked keys idle past INTAKE_UNLOCK_MINUTES (a caseworker who just walked away)."""
    return purge_stale(timedelta(minutes=current_app.config["INTAKE_UNLOCK_MINUTES"]))
