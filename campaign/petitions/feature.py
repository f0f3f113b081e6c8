"""Petitions: open letters that the public signs, confirms by mail, and organisers deliver."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.auth.models import Role
from campaign.features import DataRights, Feature, Job, Lane, StaffCard
from campaign.petitions import bp, milestones, services, tasks
from campaign.petitions import routes as _routes  # noqa: F401  (attaches the views to bp)
from campaign.petitions import routes_life as _routes_life  # noqa: F401  (attaches the views to bp)
from campaign.petitions.audiences import SIGNERS, UPDATE_FOLLOWERS
from campaign.petitions.demo import seed_petitions

feature = Feature(
    name="petitions",
    blueprints=(bp,),
    home_sections=("petitions/_home.html",),
    staff_cards=(
        StaffCard("petitions.staff_list", _l("Petitions"), (Role.ORGANISER, Role.ADMIN), services.staff_figures),
    ),
    jobs=(
        # Woken by each signature's commit; the 0.5 s poll is the fallback for SQLite with a
        # separate worker process, where no wake-up crosses processes.
        Job("petitions.confirmations", tasks.send_confirmations, every=0.5, lane=Lane.MAIL),
        Job("petitions.milestones", milestones.send_milestone_mails, every=5, lane=Lane.MAIL),
        Job("petitions.purge_pending", tasks.purge_pending, every=3600),
    ),
    data_rights=DataRights(
        "petitions", services.collect_personal_data, services.erase_personal_data, tables=("petition_signatures",)
    ),
    audiences=(SIGNERS, UPDATE_FOLLOWERS),
    demo=seed_petitions,
    setup=_routes.serve_rush,
)
