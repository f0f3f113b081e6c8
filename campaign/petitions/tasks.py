"""Worker jobs: send confirmation mails, and forget signatures that were never confirmed."""
from __future__ import annotations

from flask import current_app

from campaign.petitions import services
from campaign.worker import job


@job("petitions.confirmations", every=2)
def send_confirmations() -> int:
    return services.send_due_confirmations()


@job("petitions.purge_pending", every=3600)
def purge_pending() -> int:
    return services.purge_pending(current_app.config["PETITION_PENDING_DAYS"])
