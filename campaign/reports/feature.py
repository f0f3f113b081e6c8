"""Campaign reports: charts and tables built with pandas, exports, the weekly summary."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.auth.models import Role
from campaign.features import Feature, Job, StaffCard
from campaign.reports import bp, tasks
from campaign.reports import routes as _routes  # noqa: F401  (attaches the views to bp)
from campaign.reports.cli import reports_cli

feature = Feature(
    name="reports",
    blueprints=(bp,),
    staff_cards=(StaffCard("reports.index", _l("Reports"), (Role.ORGANISER, Role.ADMIN, Role.CASEWORKER)),),
    # A weekly period (from Monday 00:00 UTC): the summary goes out once a week, once across all
    # workers, whichever worker claims the week first (campaign/worker.py).
    jobs=(Job("reports.weekly_summary", tasks.send_weekly_summary, every=7 * 86400, every_period=True),),
    commands=(reports_cli,),
)
