"""Casework: confidential help requests, their follow-up, and the takedown tracker.

The help desk and the takedown tracker are one feature: takedowns belong to cases and share their
key. Help requests have no data-rights holder on purpose: they are reached only by receipt code.
"""
from __future__ import annotations

import random

from flask_babel import lazy_gettext as _l

from campaign.auth.models import Role
from campaign.features import Feature, Job, NavEntry, StaffCard
from campaign.intake import bp, keyring, services, tasks
from campaign.intake import routes as _routes  # noqa: F401  (attaches the views to bp)
from campaign.intake.cli import intake_cli
from campaign.intake.demo import seed_intake, seed_takedowns
from campaign.intake.takedowns import bp as takedowns_bp
from campaign.intake.takedowns import routes as _takedown_routes  # noqa: F401  (attaches the views)
from campaign.intake.takedowns import services as takedown_services


def _seed(rng: random.Random) -> None:
    seed_intake(rng)
    seed_takedowns(rng)


feature = Feature(
    name="intake",
    blueprints=(bp, takedowns_bp),
    public_nav=(
        NavEntry("intake.help", _l("Ask for help")),
        NavEntry("takedowns.monitoring", _l("Platform monitoring")),
    ),
    home_sections=("intake/_home.html",),
    staff_cards=(
        StaffCard("intake.queue", _l("Help requests"), (Role.CASEWORKER,), services.staff_figures),
        StaffCard("takedowns.index", _l("Takedown tracker"), (Role.CASEWORKER,), takedown_services.staff_figures),
    ),
    jobs=(
        Job("intake.retention", tasks.delete_expired_cases, every=3600),
        Job("intake.unlock_sweep", tasks.sweep_unlocks, every=300),
    ),
    commands=(intake_cli,),
    demo=_seed,
    setup=keyring.setup,
)
