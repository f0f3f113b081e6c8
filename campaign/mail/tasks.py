"""Background jobs of the mail feature."""
from __future__ import annotations

from campaign.mail.services import deliver_due


def retry_mail() -> int:
    """Deliver transactional mail that could not leave at once (server down or slow)."""
    return deliver_due()
