"""Background jobs of the mail feature."""
from __future__ import annotations

from campaign.mail.services import deliver_due


def retry_mail() -> int:
    """Deliver queued transactional mail in batches over one connection (the MAIL lane)."""
    return deliver_due()
