"""Pages that belong to no single feature: home, staff start page, health check."""
from __future__ import annotations

import logging

from flask import Response, jsonify, render_template
from flask_login import current_user
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
    """Each card the viewer's roles allow, with its live figures; the to-dos gathered first."""
    cards = [card for card in registry().staff_cards if not card.roles or current_user.has_role(*card.roles)]
    figures = {card.endpoint: card.figures() if card.figures else [] for card in cards}
    todos = [figure for card in cards for figure in figures[card.endpoint] if figure.todo]
    return render_template("core/staff_home.html", cards=cards, figures=figures, todos=todos)


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
