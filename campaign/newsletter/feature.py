"""The newsletter: subscribers, issues, and the dispatch engine that sends them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.auth.models import Role
from campaign.features import DataRights, Feature, Job, Lane, NavEntry, StaffCard
from campaign.newsletter import bp, personal_data, services, tasks
from campaign.newsletter import routes as _routes  # noqa: F401  (attaches the views to bp)
from campaign.newsletter.cli import newsletter_cli
from campaign.newsletter.demo import seed_newsletter

feature = Feature(
    name="newsletter",
    blueprints=(bp,),
    public_nav=(
        NavEntry("newsletter.subscribe", _l("Newsletter")),
        NavEntry("newsletter.archive", _l("Past issues")),
    ),
    staff_cards=(
        StaffCard("newsletter.staff_index", _l("Newsletter"), (Role.ORGANISER, Role.ADMIN), services.staff_figures),
    ),
    jobs=(
        Job("newsletter.schedule", tasks.start_scheduled, every=30, lane=Lane.BULK),
        Job("newsletter.dispatch", tasks.send_newsletters, every=2, lane=Lane.BULK),
        Job("newsletter.import", tasks.run_imports, every=2, lane=Lane.BULK),
    ),
    data_rights=DataRights(
        "newsletter",
        personal_data.collect_personal_data,
        personal_data.erase_personal_data,
        tables=("subscribers", "newsletter_outbox"),
    ),
    notice_handlers=(("newsletter.subscribe", services.handle_subscription),),
    commands=(newsletter_cli,),
    demo=seed_newsletter,
)
