"""Worker jobs: deleting closed cases once their retention period is over."""
from __future__ import annotations

from flask import current_app

from campaign.intake import services as intake
from campaign.timeutil import utcnow


def delete_expired_cases() -> int:
    """Delete help requests closed more than INTAKE_RETENTION_DAYS ago."""
    return intake.purge_expired(utcnow().date(), current_app.config["INTAKE_RETENTION_DAYS"])
