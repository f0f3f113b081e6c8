"""Building reports for a reader: which sections they may see, with what filter."""
from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal, format_percent
from flask_babel import lazy_gettext as _l

from campaign.audit import services as audit
from campaign.auth.models import Role, User
from campaign.content import pick
from campaign.extensions import db
from campaign.links import absolute_url
from campaign.mail import services as mail
from campaign.reports import frames as fr
from campaign.reports import raw
from campaign.reports import tables as t
from campaign.reports.exports import write_xlsx
from campaign.reports.labels import RAW_LIST_TITLES
from campaign.reports.labels import raw_export as raw_labels
from campaign.timeutil import org_offset_minutes, org_today, utcnow
from campaign.volunteers import visibility

SUMMARY_ACTION = "reports.weekly_summary"


def may_see_intake(user: User) -> bool:
    return visibility.sees_help_desk(user)


def may_see_campaign(user: User) -> bool:
    return user.has_role(Role.ORGANISER, Role.ADMIN)


def section(key: str, f: fr.ReportFilter) -> fr.Frames:
    build, _restricted = fr.SECTIONS[key]
    with db.engine.connect() as conn:
        return build(conn, f)


def choices(viewer: User, locale: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Petitions and the working groups `viewer` may see, for the filter menus, named in `locale`
    (or the fallback)."""
    with db.engine.connect() as conn:
        petitions = conn.execute(sa.select(t.petitions.c.id, t.petitions.c.title).order_by(t.petitions.c.id)).all()
    groups = [(gid, name) for gid, name in visibility.group_options(viewer, locale)]
    return [(p.id, str(pick(p.title, locale))) for p in petitions], groups


def raw_export(
    kind: str, fmt: str, f: fr.ReportFilter, actor: User
) -> io.BytesIO | tuple[list[str], Iterator[Sequence[Any]]]:
    """Record the export in the audit log, then hand back the streamed rows (CSV) or a file (XLSX)."""
    audit.record(actor, "export.personal_data", kind, "", f"format: {fmt}")
    db.session.commit()
    conn = db.engine.connect()
    header, rows = raw.LISTS[kind](conn, f)

    def closing_rows() -> Iterator[Sequence[Any]]:  # the connection lives as long as the download
        try:
            yield from rows
        finally:
            conn.close()

    titles, labelled_rows = raw_labels(kind, header, closing_rows())
    if fmt == "csv":
        return titles, labelled_rows
    buffer = io.BytesIO()
    write_xlsx(buffer, [(str(RAW_LIST_TITLES[kind]), titles, labelled_rows)])
    buffer.seek(0)
    return buffer


def org_filter(**values: Any) -> fr.ReportFilter:
    """A report filter whose days are the organisation's (ORG_TIMEZONE), today included."""
    return fr.ReportFilter(**{"today": org_today(), **values}, utc_offset_minutes=org_offset_minutes())


def weekly_summary() -> int:
    """Mail organisers last week's key figures, once a week, when REPORTS_WEEKLY_SUMMARY is on."""
    if not current_app.config["REPORTS_WEEKLY_SUMMARY"]:
        return 0
    from campaign.audit.models import AuditEvent

    last = db.session.scalar(sa.select(sa.func.max(AuditEvent.at)).where(AuditEvent.action == SUMMARY_ACTION))
    now = utcnow()
    if last is not None and now - last < timedelta(days=7):
        return 0
    today = org_today()
    week = org_filter(since=today - timedelta(days=7), until=today)
    with db.engine.connect() as conn:
        petitions = fr.petition_frames(conn, week)
        newsletter = fr.newsletter_frames(conn, week)
        volunteers = fr.volunteer_frames(conn, week)
    figures: dict[str, Any] = {
        "signatures": int(petitions["signatures_per_day"]["signatures"].sum())
        if not petitions["signatures_per_day"].empty
        else 0,
        "subscribers": int(newsletter["subscribers_over_time"]["joined"].sum())
        if not newsletter["subscribers_over_time"].empty
        else 0,
        "unsubscribed": int(newsletter["subscribers_over_time"]["unsubscribed"].sum())
        if not newsletter["subscribers_over_time"].empty
        else 0,
        "volunteers": int(volunteers["funnel"]["reached"].iloc[0]),
    }
    organisers = db.session.scalars(sa.select(User).where(User.disabled_at.is_(None))).all()
    sent = 0
    for user in organisers:
        if not user.has_role(Role.ORGANISER):
            continue
        mail.send_template(user.email, "reports_weekly", user.locale, _l("This week in the campaign"),
                           link=absolute_url("reports.section", key="petitions"), **figures)
        sent += 1
    audit.record(None, SUMMARY_ACTION, "report", "", f"recipients: {sent}")
    db.session.commit()
    return sent


def key_figures(key: str, frames: fr.Frames, today: date) -> list[tuple[object, str]]:
    """The few figures a section leads with: (label, value) pairs, read before any chart."""
    def total(table: str, column: str) -> int:
        frame = frames.get(table)
        return int(frame[column].sum()) if frame is not None and not frame.empty else 0

    def first(table: str, column: str) -> Any:
        frame = frames.get(table)
        return frame[column].iloc[0] if frame is not None and not frame.empty else None

    def number(value: Any) -> str:
        return format_decimal(value) if value is not None and not pd.isna(value) else "—"

    figures: list[tuple[object, str]] = []
    if key == "petitions":
        daily = frames["signatures_per_day"]
        week_start = today - timedelta(days=6)
        days = pd.to_datetime(daily["day"]).dt.date if not daily.empty else pd.Series(dtype="object")
        rate = first("confirmation", "rate")
        figures = [
            (_l("Confirmed signatures"), number(total("signatures_per_day", "signatures"))),
            (_l("Goal"), number(first("signatures_per_day", "goal"))),
            (_l("Confirmed today"),
             number(int(daily.loc[days == today, "signatures"].sum()) if not daily.empty else 0)),
            (_l("Confirmed in the last 7 days"),
             number(int(daily.loc[days >= week_start, "signatures"].sum()) if not daily.empty else 0)),
            (_l("Confirmation rate"), format_percent(rate) if rate is not None else "—"),
        ]
    elif key == "volunteers":
        funnel = frames["funnel"]
        now = dict(zip(funnel["stage"], funnel["now"], strict=False)) if not funnel.empty else {}
        figures = [
            (_l("Volunteers"), number(first("funnel", "reached"))),
            (_l("Active now"), number(now.get("active", 0))),
            (_l("New, not yet contacted"), number(now.get("new", 0))),
            (_l("Median days to first contact"), number(first("time_to_first_contact", "median_days"))),
        ]
    elif key == "groups":
        figures = [
            (_l("Open tasks"), number(total("tasks_by_group", "open"))),
            (_l("Overdue tasks"), number(total("tasks_by_group", "overdue"))),
            (_l("Tasks done"), number(total("tasks_by_group", "done"))),
        ]
    elif key == "newsletter":
        status = frames["subscribers_by_status"]
        confirmed = int(status.loc[status["status"] == "confirmed", "subscribers"].sum()) if not status.empty else 0
        figures = [
            (_l("Confirmed subscribers"), number(confirmed)),
            (_l("Joined in this period"), number(total("subscribers_over_time", "joined"))),
            (_l("Issues sent"), number(len(frames["issues"]))),
        ]
    elif key == "events":
        table = frames["events"]
        taken = total("events", "places_taken")
        arrived = total("events", "checked_in")
        figures = [
            (_l("Events"), number(len(table))),
            (_l("Replies confirmed by mail"), number(total("events", "rsvps"))),
            (_l("Checked in"), number(arrived)),
            (_l("Show rate"), format_percent(arrived / taken) if taken else "—"),
            (_l("New people"), number(total("events", "new_people"))),
        ]
    elif key == "intake":
        figures = [
            (_l("Help requests"), number(total("requests_per_week_by_type", "requests"))),
            (_l("Takedown requests filed"), number(total("takedowns_by_platform", "filed"))),
            (_l("Removed"), number(total("takedowns_by_platform", "removed"))),
            (_l("Still online"), number(total("takedowns_by_platform", "still_online"))),
        ]
    return figures


def frame_table(frame: pd.DataFrame) -> tuple[list[str], list[list[object]]]:
    """Header and rows for an HTML table."""
    rows = [
        [None if (isinstance(v, float) and pd.isna(v)) else v for v in row] for row in frame.itertuples(index=False)
    ]
    return [str(c) for c in frame.columns], rows
