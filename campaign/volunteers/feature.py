"""Volunteers: sign-up and review, working groups, tasks, and the volunteer's own space."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.auth.models import Role
from campaign.features import DataRights, Feature, Job, NavEntry, StaffCard
from campaign.volunteers import bp, services, tasks
from campaign.volunteers import staff_routes as _staff_routes  # noqa: F401  (attaches the views to bp)
from campaign.volunteers.audiences import BY_STATUS, GROUP_MEMBERS
from campaign.volunteers.demo import seed_volunteers
from campaign.volunteers.routes import check_volunteer

feature = Feature(
    name="volunteers",
    blueprints=(bp,),
    public_nav=(NavEntry("volunteers.signup", _l("Volunteer")),),
    staff_cards=(
        StaffCard("volunteers.review", _l("Volunteers"), (Role.ORGANISER, Role.ADMIN), services.staff_figures),
        StaffCard("volunteers.groups", _l("Working groups"), (Role.ORGANISER, Role.ADMIN)),
    ),
    jobs=(
        Job("volunteers.invite_reminders", tasks.invite_reminders, every=3600),
        # Runs hourly, but each volunteer is mailed at most once per day (last_digest_on).
        Job("volunteers.task_digest", tasks.task_digest, every=3600),
    ),
    data_rights=DataRights(
        "volunteers", services.collect_personal_data, services.erase_personal_data, tables=services.ERASED_TABLES
    ),
    audiences=(BY_STATUS, GROUP_MEMBERS),
    access_checkers=(("volunteer", check_volunteer),),
    notice_handlers=(
        ("volunteers.sign_up", services.handle_sign_up),
        ("volunteers.sign_in", services.handle_signin),
    ),
    demo=seed_volunteers,
)
