"""Background job of the reports feature."""
from __future__ import annotations

from campaign.reports.services import weekly_summary
from campaign.worker import job


@job("reports.weekly_summary", every=3600)
def send_weekly_summary() -> int:
    """Once a week, mail organisers the week's key figures (REPORTS_WEEKLY_SUMMARY)."""
    return weekly_summary()
