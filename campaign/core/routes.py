"""Pages that belong to no single feature: home, staff start page, health check."""
from __future__ import annotations

import logging

from flask import Response, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from campaign.access import public, staff
from campaign.core import bp
from campaign.extensions import db
from campaign.features import registry

logger = logging.getLogger(__name__)



@bp.route("/")
@public
def index() -> str:
    return render_template("core/index.html", sections=registry().home_sections)


@bp.route("/staff")
@staff()
def staff_home() -> str:
    return render_template("core/staff_home.html", cards=registry().staff_cards)


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
