"""Worker jobs: invitation reminders and the daily digest of tasks due soon."""
from __future__ import annotations

from campaign.volunteers import work
from campaign.worker import job


@job("volunteers.invite_reminders", every=3600)
def invite_reminders() -> int:
    return work.send_reminders()


@job("volunteers.task_digest", every=3600)
def task_digest() -> int:
    # Runs hourly, but each volunteer is mailed at most once per day (last_digest_on).
    return work.send_digests()
