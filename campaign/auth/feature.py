"""Staff accounts: sign-in with a second factor, invitations, the account page."""
from __future__ import annotations

from campaign.auth import bp, tasks
from campaign.auth import routes as _routes  # noqa: F401  (attaches the views to bp)
from campaign.features import Feature, Job

feature = Feature(
    name="auth",
    blueprints=(bp,),
    jobs=(Job("auth.sessions_purge", tasks.purge_sessions, every=3600),),
)
