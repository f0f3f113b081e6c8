from datetime import date

from campaign.intake.takedowns.models import Takedown
from campaign.intake.takedowns.services import platform_stats


def _row(platform, response, reported, removed=None):
    return Takedown(platform=platform, response=response, reported_on=reported, removed_on=removed)


def test_per_platform_figures():
    """Filed, response rate, median days to removal and still online are computed per platform."""
    d = date(2026, 3, 1)
    rows = [
        _row("telegram", "removed", d, date(2026, 3, 2)),
        _row("telegram", "removed", d, date(2026, 3, 4)),
        _row("telegram", "removed", d, date(2026, 3, 11)),
        _row("telegram", "refused", d),
        _row("telegram", "none", d),
        _row("x", "none", d),
        _row("x", "acknowledged", d),
    ]
    stats = {s.platform: s for s in platform_stats(rows)}
    tg = stats["telegram"]
    assert (tg.filed, tg.answered, tg.removed, tg.still_online) == (5, 4, 3, 2)
    assert tg.response_rate == 0.8 and tg.median_days_to_removal == 3
    assert stats["x"].median_days_to_removal is None and stats["x"].response_rate == 0.5
    assert [s.platform for s in platform_stats(rows)] == ["telegram", "x"]
