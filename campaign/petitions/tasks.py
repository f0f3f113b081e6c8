"""Worker jobs: send confirmation mails, and forget signatures that were never confirmed."""
from __future__ import annotations

from flask import current_app

from campaign.petitions import services


def send_confirmations() -> int:
    return services.send_due_confirmations()


def purge_pending() -> int:
    return services.purge_pending(current_app.config["PETITION_PENDING_DAYS"])
