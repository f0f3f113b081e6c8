"""Staff accounts: sign-in with a second factor, invitations, the account page."""
from __future__ import annotations

from campaign.auth import bp
from campaign.auth import routes as _routes  # noqa: F401  (attaches the views to bp)
from campaign.features import Feature

feature = Feature(name="auth", blueprints=(bp,))
