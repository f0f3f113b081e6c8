"""Administration: staff accounts, the audit log and the development mailbox."""
from __future__ import annotations

from campaign.admin import bp
from campaign.admin import routes as _routes  # noqa: F401  (attaches the views to bp)
from campaign.features import Feature

feature = Feature(name="admin", blueprints=(bp,))
