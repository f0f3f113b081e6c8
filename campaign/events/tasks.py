"""Worker jobs: reminders and the released place by mail; RSVPs deleted after the event."""
from __future__ import annotations

from flask import current_app

from campaign.events import services


def send_due_mail() -> int:
    return services.send_due_mail()


def purge() -> int:
    return services.purge(int(current_app.config["EVENT_RETENTION_DAYS"]))
