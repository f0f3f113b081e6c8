"""The caseworkers' takedown tracker and the public monitoring page (aggregates only)."""
from __future__ import annotations

from datetime import date
from typing import cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign.access import public, staff
from campaign.auth.models import Role
from campaign.intake import services as intake
from campaign.intake.choices import PLATFORMS
from campaign.intake.keyring import team_keyring
from campaign.intake.takedowns import bp
from campaign.intake.takedowns import services as tracker
from campaign.intake.takedowns.forms import RESPONSE_LABELS, TakedownForm
from campaign.intake.takedowns.models import Takedown
from campaign.timeutil import org_today

caseworker = staff(Role.CASEWORKER, hide=True)


@bp.route("/monitoring")
@public
def monitoring() -> str:
    return render_template("takedowns/monitoring.html", stats=tracker.all_stats())


@bp.errorhandler(intake.NoKey)
def _no_key(_exc: intake.NoKey) -> tuple[str, int]:
    # Before `flask intake keygen` there is nothing to seal reports to: say so, as the queue does.
    return render_template("takedowns/no_key.html"), 503


@bp.route("/takedowns")
@caseworker
def index() -> str:
    platform = request.args.get("platform", "")
    if platform not in dict(PLATFORMS):
        platform = ""
    response = request.args.get("response", "")
    if response not in RESPONSE_LABELS:
        response = ""
    ring = team_keyring()
    rows = tracker.listing(platform, response=response)
    return render_template(
        "takedowns/index.html",
        rows=tracker.readable(ring, rows, current_user),
        stats=tracker.all_stats(),
        platform=platform,
        responses=RESPONSE_LABELS,
        ring=ring,
    )


def _entry(form: TakedownForm) -> tracker.Entry:
    return tracker.Entry(
        platform=form.platform.data,
        content_type=form.content_type.data,
        target=form.target.data or "",
        reported_on=cast(date, form.reported_on.data),  # InputRequired: a date once the form validates
        reference=form.reference.data or "",
        response=form.response.data,
        removed_on=form.removed_on.data,
        notes=form.notes.data or "",
    )


@bp.route("/takedowns/new", methods=["GET", "POST"])
@caseworker
def new() -> Response | str:
    case_id = request.args.get("case", type=int)
    if case_id is not None and intake.get(case_id) is None:
        abort(404)
    form = TakedownForm()
    if request.method == "GET":
        form.reported_on.data = org_today()
    if form.validate_on_submit():
        tracker.create(team_keyring(), _entry(form), current_user, case_id)
        flash(_("Report saved."), "info")
        if case_id is not None:
            return redirect(url_for("intake.case", request_id=case_id))
        return redirect(url_for("takedowns.index"))
    return render_template("takedowns/form.html", form=form, case_id=case_id, row=None, readable=True)


def _row_or_404(takedown_id: int) -> Takedown:
    row = tracker.get(takedown_id)
    if row is None:
        abort(404)
    return row


@bp.route("/takedowns/<int:takedown_id>", methods=["GET", "POST"])
@caseworker
def edit(takedown_id: int) -> Response | str:
    row = _row_or_404(takedown_id)
    ring = team_keyring()
    [(_row, shown)] = tracker.readable(ring, [row], current_user)
    form = TakedownForm(obj=row) if request.method == "GET" else TakedownForm()
    if request.method == "GET":
        form.target.data, form.notes.data = shown.target, shown.notes
    if form.validate_on_submit():
        # A sealed row seen while locked: its channel/URL and notes were not shown, so keep them.
        tracker.update(ring, row, _entry(form), current_user, keep_details=not shown.readable)
        flash(_("Report saved."), "info")
        return redirect(url_for("takedowns.index"))
    return render_template("takedowns/form.html", form=form, case_id=row.request_id, row=row, readable=shown.readable)
