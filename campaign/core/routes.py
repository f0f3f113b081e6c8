"""Pages that belong to no single feature: home, staff start page, health check."""
from __future__ import annotations

import logging

from flask import Response, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from campaign.access import public, staff
from campaign.core import bp
from campaign.extensions import db

logger = logging.getLogger(__name__)

# Features add to these when their blueprint is registered (see campaign/__init__.py):
# templates included on the home page, (endpoint, label) links in the public menu, and
# (endpoint, label, roles) cards on the staff start page.
home_sections: list[str] = []
public_nav: list[tuple[str, object]] = []
staff_links: list[tuple[str, object, tuple[str, ...]]] = []


@bp.route("/")
@public
def index() -> str:
    return render_template("core/index.html", sections=home_sections)


@bp.route("/staff")
@staff()
def staff_home() -> str:
    return render_template("core/staff_home.html", links=staff_links)


@bp.route("/healthz")
@public
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        logger.warning("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
