"""Worker jobs of the newsletter: start scheduled sends, and send."""
from __future__ import annotations

from campaign.newsletter import audiences as _audiences  # noqa: F401  (segments used when freezing)
from campaign.newsletter import dispatch, services
from campaign.worker import job


@job("newsletter.schedule", every=30)
def start_scheduled() -> int:
    """Freeze the audience of issues whose scheduled time has come."""
    return services.start_scheduled()


@job("newsletter.dispatch", every=2)
def send_newsletters() -> int:
    """Send outbox rows for a while; the worker calls again at once while there is work."""
    return dispatch.run(budget=10.0)


@job("newsletter.import", every=2)
def run_imports() -> int:
    """Check or import one uploaded list; the page shows its progress."""
    return services.run_import_job()
