"""Transactional mail: the queue that every feature's mail goes through."""
from __future__ import annotations

from campaign import abuse, notices
from campaign.features import Feature, Job, Lane
from campaign.mail import tasks

feature = Feature(
    name="mail",
    # Woken by every commit that queues mail; polling every second is the fallback (SQLite with
    # a separate worker process, or a lost PostgreSQL listener): one indexed SELECT.
    jobs=(
        Job("mail.retry", tasks.retry_mail, every=1, lane=Lane.MAIL),
        Job("abuse.mail_cap_sweep", abuse.forget_old_counts, every=3600),
        # Public forms' notices (campaign/notices.py): woken by the request's commit.
        Job("notices", notices.handle_due, every=1, lane=Lane.MAIL),
    ),
)
