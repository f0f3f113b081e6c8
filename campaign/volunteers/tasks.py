"""Worker jobs: invitation reminders and the daily digest of tasks due soon."""
from __future__ import annotations

from campaign.volunteers import work


def invite_reminders() -> int:
    return work.send_reminders()


def task_digest() -> int:
    # Runs hourly, but each volunteer is mailed at most once per day (last_digest_on).
    return work.send_digests()
