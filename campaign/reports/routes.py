"""The reports area: one page per section, each chart beside its table, and the exports."""
from __future__ import annotations

from datetime import date

import pandas as pd
from flask import Response, abort, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from campaign.access import staff
from campaign.auth.models import Role
from campaign.exports import csv_stream
from campaign.forms import choice_list
from campaign.i18n import locale_code
from campaign.reports import bp, charts
from campaign.reports import services as reports
from campaign.reports.exports import frame_csv, titled_xlsx
from campaign.reports.forms import ReportFilterForm
from campaign.reports.frames import ReportFilter
from campaign.reports.labels import SECTION_TITLES, TABLE_TITLES, column_title, for_export, labelled
from campaign.volunteers import visibility

campaign_staff = staff(Role.ORGANISER, Role.ADMIN)
case_staff = staff(Role.CASEWORKER)  # help-desk figures: an admin must be a caseworker too

CAMPAIGN_SECTIONS = "petitions, volunteers, groups, newsletter, events"

def _chart(key: str, frame: pd.DataFrame, today: date) -> str | None:
    """The chart of one table, or None; time series stop at today."""
    title = str(TABLE_TITLES[key])
    for column in ("day", "week"):
        if column in frame.columns and not frame.empty:
            frame = frame[pd.to_datetime(frame[column]).dt.date <= today]
    count = str(_l("Number"))
    if key == "signatures_per_day":
        return charts.columns(frame, "day", "signatures", title, x_title=str(_l("Day")),
                              y_title=str(_l("Signatures confirmed that day")))
    if key == "signatures_total":
        return charts.line(frame, "day", {"cumulative": str(_l("Total so far")), "goal": str(_l("Goal"))}, title,
                           x_title=str(_l("Day")), y_title=str(_l("Confirmed signatures")))
    if key == "subscribers_over_time":
        return charts.line(frame, "day", {"net_total": str(_l("Subscribers"))}, title,
                           x_title=str(_l("Day")), y_title=str(_l("Confirmed subscribers")))
    if key == "done_per_week":
        return charts.columns(frame, "week", "done", title, x_title=str(_l("Week")),
                              y_title=str(_l("Tasks done that week")))
    bars = {"by_region": "signatures", "by_channel": "signatures", "by_source": "signatures", "by_skill": "count",
            "by_language": "count",
            "funnel": "reached", "takedowns_by_platform": "filed"}
    if key in bars:
        value = bars[key]
        shown = labelled(key, frame)
        return charts.bars(shown, str(frame.columns[0]), value, title, x_title=column_title(value) if value != "count"
                           else count, y_title=column_title(str(frame.columns[0])))
    return None


def _filter(form: ReportFilterForm) -> ReportFilter:
    valid = form.validate()
    data = form.data if valid else {}
    return reports.org_filter(
        since=data.get("since"),
        until=data.get("until"),
        petition_id=data.get("petition") or None,
        group_id=data.get("group") or None,
        include_confidential=visibility.sees_confidential_groups(current_user),
    )


def _form() -> ReportFilterForm:
    form = ReportFilterForm(request.args)
    petitions, groups = reports.choices(current_user, locale_code(get_locale()))
    form.petition.choices = choice_list([(0, str(_l("All")))] + petitions)
    form.group.choices = choice_list([(0, str(_l("All")))] + groups)
    return form


def _page(key: str) -> str:
    form = _form()
    report_filter = _filter(form)
    frames = reports.section(key, report_filter)
    today = report_filter.day()
    tables = []
    for name, frame in frames.items():
        header, rows = reports.frame_table(labelled(name, frame))
        titles = [column_title(column) for column in header]
        charts_ = [(TABLE_TITLES[name], _chart(name, frame, today))]
        if name == "signatures_per_day":
            charts_.append((TABLE_TITLES["signatures_total"], _chart("signatures_total", frame, today)))
        tables.append((name, TABLE_TITLES[name], [c for c in charts_ if c[1]], titles, rows))
    sections = [k for k in SECTION_TITLES if (k == "intake" and reports.may_see_intake(current_user))
                or (k != "intake" and reports.may_see_campaign(current_user))]
    return render_template("reports/section.html", key=key, form=form, tables=tables, sections=sections,
                           figures=reports.key_figures(key, frames, today),
                           section_titles=SECTION_TITLES, query=request.query_string.decode(),
                           locale=str(get_locale()))


@bp.route("/")
@staff(Role.ORGANISER, Role.ADMIN, Role.CASEWORKER)
def index() -> BaseResponse:
    if reports.may_see_campaign(current_user):
        return redirect(url_for("reports.section", key="petitions"))
    return redirect(url_for("reports.intake"))


@bp.route(f"/<any({CAMPAIGN_SECTIONS}):key>")
@campaign_staff
def section(key: str) -> str:
    return _page(key)


@bp.route("/intake")
@case_staff
def intake() -> str:
    return _page("intake")


def _download_table(key: str, table: str) -> Response:
    frames = reports.section(key, _filter(_form()))
    if table not in frames:
        abort(404)
    return Response(stream_with_context(frame_csv(for_export(table, frames[table]))),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={key}-{table}.csv"})


def _download_xlsx(key: str) -> Response:
    frames = reports.section(key, _filter(_form()))
    return Response(
        titled_xlsx({str(TABLE_TITLES[name]): for_export(name, frame) for name, frame in frames.items()}),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename={key}.xlsx"},
    )


@bp.route(f"/<any({CAMPAIGN_SECTIONS}):key>/<table>.csv")
@campaign_staff
def table_csv(key: str, table: str) -> Response:
    return _download_table(key, table)


@bp.route(f"/<any({CAMPAIGN_SECTIONS}):key>.xlsx")
@campaign_staff
def section_xlsx(key: str) -> Response:
    return _download_xlsx(key)


@bp.route("/intake/<table>.csv")
@case_staff
def intake_csv(table: str) -> Response:
    return _download_table("intake", table)


@bp.route("/intake.xlsx")
@case_staff
def intake_xlsx() -> Response:
    return _download_xlsx("intake")


@bp.route("/raw/<any(signatures, subscribers, volunteers, tasks):kind>.<any(csv, xlsx):fmt>")
@staff(Role.ORGANISER)
def raw_list(kind: str, fmt: str) -> Response:
    """A personal-data list: organisers only, and every download is audit-logged."""
    result = reports.raw_export(kind, fmt, _filter(_form()), current_user)
    if isinstance(result, tuple):  # CSV: the header and the streamed rows
        header, rows = result
        return Response(stream_with_context(csv_stream(header, rows)), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={kind}.csv"})
    return send_file(result, as_attachment=True, download_name=f"{kind}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
