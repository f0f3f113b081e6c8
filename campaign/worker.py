"""The background worker: runs each feature's jobs on their schedule.

Jobs are plain functions that features declare in their manifests (campaign/features.py). Each run
happens in an app context the worker created; a job loads its own rows and commits its own work,
so a killed worker loses at most what was in flight. Several workers may run at once: jobs must
claim their rows (see mail.deliver_due).
"""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from campaign.extensions import db
from campaign.features import Job, registry

logger = logging.getLogger(__name__)


def jobs(app: Flask) -> list[Job]:
    """The jobs the app's features declare (campaign/features.py)."""
    return list(registry(app).jobs)


def run_once(app: Flask, names: set[str] | None = None) -> int:
    """Run every job (or the named ones) once; return the total work done."""
    done = 0
    for entry in jobs(app):
        if names and entry.name not in names:
            continue
        done += _run(app, entry)
    return done


def _run(app: Flask, entry: Job) -> int:
    with app.app_context():
        try:
            return entry.func() or 0
        except Exception:  # a failing job must not stop the others
            logger.exception("job %s failed", entry.name)
            db.session.rollback()
            return 0
        finally:
            db.session.remove()


def run_forever(app: Flask, stop: threading.Event, burst: bool = False, tick: float = 1.0) -> None:
    """Run jobs as they come due. With `burst`, repeat until no job finds work, then return."""
    if burst:
        while run_once(app):
            pass
        return
    next_run = {entry.name: 0.0 for entry in jobs(app)}
    while not stop.is_set():
        now = time.monotonic()
        for entry in jobs(app):
            if next_run[entry.name] <= now:
                did = _run(app, entry)
                # A job that found work runs again at once: it drains its queue before sleeping.
                next_run[entry.name] = now if did else now + entry.every
        stop.wait(tick)


def start_in_thread(app: Flask) -> threading.Event:
    """Run a worker beside the development server, so the embedded setup needs nothing else."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop), name="worker", daemon=True)
    thread.start()
    return stop
