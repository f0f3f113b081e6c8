"""Worker jobs: invitation reminders and the daily digest of tasks due soon."""
from __future__ import annotations

from flask import current_app
from flask.ctx import RequestContext

from campaign.volunteers import work
from campaign.worker import job


def _in_request() -> RequestContext:
    # Mailed links need absolute URLs; the worker has no request, so it borrows BASE_URL.
    return current_app.test_request_context(base_url=current_app.config["BASE_URL"])


@job("volunteers.invite_reminders", every=3600)
def invite_reminders() -> int:
    with _in_request():
        return work.send_reminders()


@job("volunteers.task_digest", every=3600)
def task_digest() -> int:
    # Runs hourly, but each volunteer is mailed at most once per day (last_digest_on).
    with _in_request():
        return work.send_digests()
