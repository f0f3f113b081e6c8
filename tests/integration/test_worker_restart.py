"""A worker job that dies half-way is completed by the next run, with nothing lost or doubled."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from campaign import worker
from campaign.extensions import db
from campaign.mail.models import QueuedMail
from campaign.timeutil import utcnow
from campaign.volunteers import work
from campaign.volunteers.models import Task, task_assignees
from tests.conftest import Inbox
from tests.integration.volunteer_factories import add_member, make_group, make_volunteer


def test_digest_job_killed_half_way_finishes_on_restart(app, inbox: Inbox, monkeypatch):
    group = make_group()
    people = [make_volunteer() for _ in range(3)]
    for person in people:
        add_member(group, person)
        task = Task(group_id=group.id, title="核对举报清单", due_on=utcnow().date() - timedelta(days=1))
        db.session.add(task)
        db.session.flush()
        db.session.execute(task_assignees.insert().values(task_id=task.id, volunteer_id=person.id))
    db.session.commit()

    real = work.mail.send_template
    calls = {"n": 0}

    def dies_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(work.mail, "send_template", dies_on_second)
    with pytest.raises(RuntimeError):
        work.send_digests()
    db.session.rollback()
    monkeypatch.setattr(work.mail, "send_template", real)

    worker.run_once(app, {"volunteers.task_digest"})  # the restarted worker
    db.session.execute(update(QueuedMail).values(next_attempt_at=utcnow()))  # mail the dead run queued
    db.session.commit()
    worker.run_once(app, {"mail.retry"})
    received = sorted(str(m["To"]) for m in inbox.messages)
    assert received == sorted(p.email for p in people)  # each exactly once
