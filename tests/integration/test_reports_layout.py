"""Reports read at a glance: key figures first, then charts that say what they plot, tables folded."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from campaign.auth.models import Role
from campaign.reports import charts
from campaign.reports import routes as report_routes


def test_section_opens_with_key_figures_then_charts_then_folded_tables(app, login_as):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    page = login_as(Role.ORGANISER).get("/reports/petitions?lang=en").get_data(as_text=True)
    figures = page.index('class="figures"')
    chart, table = page.index('<figure class="chart"'), page.index('<details class="report-table"')
    assert figures < chart < table
    for label in ("Confirmed signatures", "Goal", "Confirmed today", "Confirmed in the last 7 days"):
        assert f"<dt>{label}</dt>" in page
    assert "Chart: Confirmed signatures per day." in page
    assert "Chart: Confirmed signatures so far, against the goal." in page
    assert '<details class="report-table">' in page and "<details class=\"report-table\" open" not in page


@pytest.fixture()
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What each chart was asked to draw."""
    calls: list[dict[str, Any]] = []

    def record(kind: str):  # type: ignore[no-untyped-def]
        def draw(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> str:
            calls.append({"kind": kind, "frame": frame, "args": args, **kwargs})
            return "data:image/svg+xml;base64,"
        return draw

    for kind in ("line", "columns", "bars"):
        monkeypatch.setattr(charts, kind, record(kind))
    return calls


def test_signatures_per_day_plots_each_days_count_and_stops_today(app, drawn):
    """The per-day chart draws that day's count (not the running total), and no day after today."""
    today = date(2026, 3, 10)
    frame = pd.DataFrame({"day": [today - timedelta(days=1), today, today + timedelta(days=1)],
                          "signatures": [5, 7, 9], "cumulative": [5, 12, 21], "goal": [100, 100, 100]})
    with app.test_request_context("/?lang=en"):
        report_routes._chart("signatures_per_day", frame, today)
        report_routes._chart("signatures_total", frame, today)
    per_day, total = drawn
    assert per_day["kind"] == "columns" and per_day["args"][:2] == ("day", "signatures")
    assert list(per_day["frame"]["signatures"]) == [5, 7]
    assert total["kind"] == "line" and "cumulative" in per_day["frame"].columns
    assert max(total["frame"]["day"]) == today
    assert per_day["x_title"] == "Day" and per_day["y_title"] == "Signatures confirmed that day"


def test_every_chart_has_axis_titles_and_labelled_categories(app, drawn):
    """Axis titles on every chart; bar categories are labels in the reader's language, not codes."""
    frames = {
        "by_channel": pd.DataFrame({"channel": ["telegram", "link"], "signatures": [3, 2]}),
        "by_skill": pd.DataFrame({"skill": ["monitoring"], "count": [4]}),
        "funnel": pd.DataFrame({"stage": ["new", "vetted"], "reached": [9, 4], "now": [5, 4]}),
        "takedowns_by_platform": pd.DataFrame({"platform": ["adult_site"], "filed": [2]}),
        "subscribers_over_time": pd.DataFrame({"day": [date(2026, 3, 1)], "net_total": [4]}),
    }
    with app.test_request_context("/?lang=zh"):
        for key, frame in frames.items():
            report_routes._chart(key, frame, date(2026, 3, 10))
    assert len(drawn) == len(frames)
    for call in drawn:
        assert call["x_title"] and call["y_title"], call
    categories = {str(v) for call in drawn if call["kind"] == "bars" for v in call["frame"].iloc[:, 0]}
    assert not categories & {"telegram", "link", "monitoring", "new", "vetted", "adult_site"}
