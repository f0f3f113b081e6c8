"""The reports area: one page per section, each chart beside its table, and the exports."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from campaign.access import staff
from campaign.auth.models import Role
from campaign.exports import csv_stream
from campaign.forms import choice_list
from campaign.reports import bp, charts
from campaign.reports import services as reports
from campaign.reports.exports import frame_csv, frames_xlsx
from campaign.reports.forms import ReportFilterForm
from campaign.reports.frames import ReportFilter
from campaign.volunteers import visibility

campaign_staff = staff(Role.ORGANISER, Role.ADMIN)
case_staff = staff(Role.CASEWORKER)  # help-desk figures: an admin must be a caseworker too

CAMPAIGN_SECTIONS = "petitions, volunteers, groups, newsletter"

SECTION_TITLES = {
    "petitions": _l("Petitions"),
    "volunteers": _l("Volunteers"),
    "groups": _l("Working groups"),
    "newsletter": _l("Newsletter"),
    "intake": _l("Help requests and takedowns"),
}
TABLE_TITLES = {
    "signatures_per_day": _l("Confirmed signatures per day"),
    "confirmation": _l("Confirmation rate"),
    "by_region": _l("Signatures by region"),
    "by_channel": _l("Signatures by share channel"),
    "comments": _l("Comments"),
    "funnel": _l("Volunteer funnel"),
    "time_to_first_contact": _l("Days from sign-up to first contact"),
    "by_group": _l("Members by working group"),
    "by_skill": _l("Volunteers by skill"),
    "by_language": _l("Volunteers by language"),
    "went_quiet": _l("Active volunteers who went quiet (30 days)"),
    "tasks_by_group": _l("Tasks by working group"),
    "done_per_week": _l("Tasks done per week"),
    "subscribers_over_time": _l("Subscribers over time"),
    "subscribers_by_status": _l("Subscribers by status"),
    "issues": _l("Newsletter issues"),
    "requests_per_week_by_type": _l("Help requests per week by type"),
    "takedowns_by_platform": _l("Takedown requests by platform"),
}


COLUMN_TITLES = {
    "day": _l("Day"), "week": _l("Week"), "signatures": _l("Signatures"), "cumulative": _l("Total so far"),
    "goal": _l("Goal"), "signed": _l("Signed"), "confirmed": _l("Confirmed"), "rate": _l("Rate"),
    "region": _l("Region"), "channel": _l("Channel"), "comments": _l("Comments"), "stage": _l("Stage"),
    "reached": _l("Reached"), "now": _l("Now"), "contacted": _l("Contacted"), "median_days": _l("Median days"),
    "mean_days": _l("Mean days"), "group_zh": _l("Group (Chinese)"), "group_en": _l("Group (English)"),
    "members": _l("Members"), "leads": _l("Leads"), "skill": _l("Skill"), "language": _l("Language"),
    "count": _l("Count"), "active_without_activity_30_days": _l("Active, no activity in 30 days"),
    "open": _l("Open"), "done": _l("Done"), "overdue": _l("Overdue"), "active_members": _l("Active members"),
    "open_per_active_member": _l("Open tasks per active member"), "joined": _l("Joined"),
    "unsubscribed": _l("Unsubscribed"), "net_total": _l("Subscribers"), "status": _l("Status"),
    "subscribers": _l("Subscribers"), "issue_id": _l("Issue"), "subject": _l("Subject"), "started_at": _l("Sent on"),
    "sent": _l("Sent"), "failed": _l("Failed"), "recipients": _l("Recipients"),
    "unsubscribed_within_7_days": _l("Unsubscribed within 7 days"), "delivery_rate": _l("Delivery rate"),
    "kind": _l("Type"), "requests": _l("Requests"), "platform": _l("Platform"), "filed": _l("Filed"),
    "answered": _l("Answered"), "response_rate": _l("Response rate"), "removed": _l("Removed"),
    "median_days_to_removal": _l("Median days to removal"), "still_online": _l("Still online"),
}


def _chart(key: str, frame) -> str | None:  # type: ignore[no-untyped-def]
    title = str(TABLE_TITLES[key])
    if key == "signatures_per_day":
        return charts.line(frame, "day", {"cumulative": str(_l("Total so far")), "goal": str(_l("Goal"))}, title)
    if key == "subscribers_over_time":
        return charts.line(frame, "day", {"net_total": str(_l("Subscribers"))}, title)
    if key == "done_per_week":
        return charts.line(frame, "week", {"done": str(_l("Done"))}, title)
    if key in {"by_region", "by_channel"}:
        return charts.bars(frame, frame.columns[0], "signatures", title)
    if key in {"by_skill", "by_language"}:
        return charts.bars(frame, frame.columns[0], "count", title)
    if key == "funnel":
        return charts.bars(frame, "stage", "reached", title)
    if key == "takedowns_by_platform":
        return charts.bars(frame, "platform", "filed", title)
    return None


def _filter(form: ReportFilterForm) -> ReportFilter:
    valid = form.validate()
    data = form.data if valid else {}
    return ReportFilter(
        since=data.get("since"),
        until=data.get("until"),
        petition_id=data.get("petition") or None,
        group_id=data.get("group") or None,
        include_confidential=visibility.sees_confidential_groups(current_user),
        today=date.today(),
    )


def _form() -> ReportFilterForm:
    form = ReportFilterForm(request.args)
    petitions, groups = reports.choices(current_user)
    form.petition.choices = choice_list([(0, str(_l("All")))] + petitions)
    form.group.choices = choice_list([(0, str(_l("All")))] + groups)
    return form


def _page(key: str) -> str:
    form = _form()
    frames = reports.section(key, _filter(form))
    tables = []
    for name, frame in frames.items():
        header, rows = reports.frame_table(frame)
        titles = [str(COLUMN_TITLES.get(column, column)) for column in header]
        tables.append((name, TABLE_TITLES[name], _chart(name, frame), titles, rows))
    sections = [k for k in SECTION_TITLES if (k == "intake" and reports.may_see_intake(current_user))
                or (k != "intake" and reports.may_see_campaign(current_user))]
    return render_template("reports/section.html", key=key, form=form, tables=tables, sections=sections,
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
    return Response(stream_with_context(frame_csv(frames[table])), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={key}-{table}.csv"})


def _download_xlsx(key: str) -> Response:
    frames = reports.section(key, _filter(_form()))
    return Response(
        frames_xlsx({key: frames}),
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
