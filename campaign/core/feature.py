"""Core: the home page, the staff home and the health check."""
from __future__ import annotations

from campaign.core import bp, menu
from campaign.core import routes as _routes  # noqa: F401  (attaches the views to bp)
from campaign.features import Feature

feature = Feature(name="core", blueprints=(bp,), setup=menu.setup)
