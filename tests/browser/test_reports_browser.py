"""An organiser opens the reports page and the charts draw in the browser, without JavaScript."""
from __future__ import annotations

from campaign.auth.models import Role


def test_charts_render_without_javascript(app, new_page, make_user, tmp_path):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    organiser = make_user(Role.ORGANISER)
    page = new_page(javascript=False)
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(organiser.email)
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    page.goto("/reports/petitions")
    charts = page.locator("figure.chart img")
    assert charts.count() >= 3
    widths = [charts.nth(i).evaluate("img => img.naturalWidth") for i in range(charts.count())]
    assert all(w > 100 for w in widths)
    page.screenshot(path=str(tmp_path / "reports.png"), full_page=False)
