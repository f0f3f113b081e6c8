"""Background job of the reports feature."""
from __future__ import annotations

from campaign.reports.services import weekly_summary


def send_weekly_summary() -> int:
    """Once a week, mail organisers the week's key figures (REPORTS_WEEKLY_SUMMARY)."""
    return weekly_summary()
