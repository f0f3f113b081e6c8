"""Worker jobs of the newsletter: start scheduled sends, send, and import uploaded lists."""
from __future__ import annotations

from campaign.newsletter import dispatch, services


def start_scheduled() -> int:
    """Freeze the audience of issues whose scheduled time has come."""
    return services.start_scheduled()


def send_newsletters() -> int:
    """Send outbox rows for a while; the worker calls again at once while there is work."""
    return dispatch.run(budget=10.0)


def run_imports() -> int:
    """Check or import one uploaded list; the page shows its progress."""
    return services.run_import_job()
