"""Data rights: anyone can get a copy of what is held on their address, or have it erased."""
from __future__ import annotations

from campaign.features import Feature, Job
from campaign.rights import bp, services, tasks
from campaign.rights import routes as _routes  # noqa: F401  (attaches the views to bp)

feature = Feature(
    name="rights",
    blueprints=(bp,),
    jobs=(Job("privacy.vacuum", tasks.vacuum_after_erasures, every=600),),
    notice_handlers=(("rights.link", services.handle_request),),
)
