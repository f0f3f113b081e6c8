"""Events: screenings, workshops and discussion circles, with private RSVP and check-in."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.auth.models import Role
from campaign.events import bp, services, tasks
from campaign.events import routes as _routes  # noqa: F401  (attaches the views to bp)
from campaign.events.audiences import ATTENDEES
from campaign.events.demo import seed_events
from campaign.features import DataRights, Feature, Job, Lane, NavEntry, StaffCard

feature = Feature(
    name="events",
    blueprints=(bp,),
    public_nav=(NavEntry("events.index", _l("Events")),),
    staff_cards=(
        StaffCard("events.staff_list", _l("Events"), (Role.ORGANISER, Role.ADMIN), services.staff_figures),
    ),
    jobs=(
        # Where a reply stands, reminders a day and two hours before, the place once released:
        # rows are claimed, so several workers never mail twice. Woken by the confirming commit;
        # the 2 s poll is the fallback for SQLite with a separate worker process.
        Job("events.mail_due", tasks.send_due_mail, every=2, lane=Lane.MAIL),
        Job("events.purge", tasks.purge, every=3600),
    ),
    data_rights=DataRights(
        "events", services.collect_personal_data, services.erase_personal_data,
        tables=("event_rsvps",),
    ),
    audiences=(ATTENDEES,),
    notice_handlers=((services.NOTICE_KIND, services.handle_rsvp),),
    demo=seed_events,
)
