"""Campaign figures as pandas DataFrames: the database aggregates, pandas shapes.

Pure functions of a SQLAlchemy connection and a ReportFilter; they need no Flask app, so tests
and the benchmark call them directly. Pages, charts and exports only render what these return.
No frame holds personal data: only counts, dates, statuses and category keys. Translated texts (a
group's name, an event's title, an issue's subject) stay `{locale code: text}` here: labels.py shows
each in the reader's language.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from campaign.reports import tables as t

Frames = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class ReportFilter:
    since: date | None = None
    until: date | None = None  # inclusive
    petition_id: int | None = None
    group_id: int | None = None
    include_confidential: bool = False  # confidential working groups: admins only
    today: date | None = None  # for "overdue" and "went quiet"; defaults to the real today
    # Days are the organisation's (ORG_TIMEZONE): its offset from UTC, as the zone has it today.
    utc_offset_minutes: int = 0

    def bounds(self, column: sa.ColumnElement[Any], stored_utc: bool = True) -> list[sa.ColumnElement[bool]]:
        """WHERE clauses limiting a column to the filter's days: a stored (naive UTC) time from the
        organisation's midnight, or a date column (`stored_utc=False`) as it is."""
        shift = timedelta(minutes=self.utc_offset_minutes if stored_utc else 0)
        clauses = []
        if self.since:
            clauses.append(column >= datetime.combine(self.since, time.min) - shift)
        if self.until:
            clauses.append(column < datetime.combine(self.until + timedelta(days=1), time.min) - shift)
        return clauses

    def day(self) -> date:
        return self.today or (datetime.now(UTC) + timedelta(minutes=self.utc_offset_minutes)).date()

    def day_of(self, conn: Connection, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """The organisation's calendar day of a stored (naive UTC) time, in SQL, so the database
        groups by it. The offset is our own integer, written into the SQL as a literal: a bound
        parameter would differ between SELECT and GROUP BY, which PostgreSQL refuses."""
        minutes = int(self.utc_offset_minutes)
        if not minutes:
            return sa.func.date(column)
        if conn.dialect.name == "postgresql":
            return sa.func.date(column + sa.literal_column(f"interval '{minutes} minutes'"))
        return sa.func.date(column, sa.literal_column(f"'{minutes:+d} minutes'"))


def _frame(conn: Connection, stmt: sa.Select[*tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    rows = conn.execute(stmt).all()
    return pd.DataFrame.from_records(rows, columns=columns)


def _days(frame: pd.DataFrame, column: str = "day") -> pd.DataFrame:
    """SQLite gives dates as text, PostgreSQL as dates: make them all pandas dates."""
    if not frame.empty:
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def _explode_counts(values: pd.Series, weights: pd.Series, name: str) -> pd.DataFrame:
    """Count the keys of comma-separated lists (skills, languages), each list standing for
    `weights` people: the database groups people by their list, so only distinct lists are split."""
    keys = pd.DataFrame({name: values.fillna("").str.split(","), "count": weights}).explode(name)
    keys[name] = keys[name].str.strip()
    return _summed(keys[keys[name] != ""], name, ["count"])


# --- petitions ---------------------------------------------------------------------------------


def petition_frames(conn: Connection, f: ReportFilter) -> Frames:
    s = t.signatures
    confirmed = [s.c.status == "confirmed", *f.bounds(s.c.confirmed_at)]
    scope = [s.c.petition_id == f.petition_id] if f.petition_id else []

    daily = _days(_frame(conn, sa.select(f.day_of(conn, s.c.confirmed_at).label("day"), sa.func.count())
                         .where(*confirmed, *scope).group_by("day").order_by("day"), ["day", "signatures"]))
    daily["cumulative"] = daily["signatures"].cumsum() if not daily.empty else pd.Series(dtype="int64")
    goal_stmt = sa.select(sa.func.coalesce(sa.func.sum(t.petitions.c.goal), 0))
    if f.petition_id:
        goal_stmt = goal_stmt.where(t.petitions.c.id == f.petition_id)
    else:
        goal_stmt = goal_stmt.where(t.petitions.c.status != "draft")
    daily["goal"] = conn.execute(goal_stmt).scalar_one()

    if f.since is None and f.until is None:
        # Unfiltered, the confirmed count is the sum of the daily counts and the total a plain
        # count: no second grouped scan of the table.
        total = conn.execute(sa.select(sa.func.count()).select_from(s).where(*scope)).scalar_one()
        done = int(daily["signatures"].sum()) if not daily.empty else 0
    else:
        status = _frame(conn, sa.select(s.c.status, sa.func.count()).where(*f.bounds(s.c.created_at), *scope)
                        .group_by(s.c.status), ["status", "count"])
        total = int(status["count"].sum()) if not status.empty else 0
        done = int(status.loc[status["status"] == "confirmed", "count"].sum()) if total else 0
    confirmation = pd.DataFrame(
        [{"signed": total, "confirmed": done, "rate": round(done / total, 4) if total else 0.0}]
    )

    # Grouped by the stored values: "—" stands for an empty one on the few groups here, not in SQL
    # on every row. The comment count rides on the region scan; channel and source share one.
    with_comment = sa.func.sum(sa.case((s.c.comment != "", 1), else_=0))
    regions = _frame(conn, sa.select(s.c.region, sa.func.count(), with_comment).where(*confirmed, *scope)
                     .group_by(s.c.region), ["region", "signatures", "comments"])
    by_region = _summed(regions, "region", ["signatures", "comments"])
    comments = int(by_region.pop("comments").sum()) if not by_region.empty else 0
    pairs = _frame(conn, sa.select(s.c.src, s.c.source, sa.func.count()).where(*confirmed, *scope)
                   .group_by(s.c.src, s.c.source), ["channel", "source", "signatures"])
    return {
        "signatures_per_day": daily,
        "confirmation": confirmation,
        "by_region": by_region,
        # Paper signatures came through no share channel: they are counted by source instead.
        "by_channel": _summed(pairs[pairs["source"] == "online"], "channel", ["signatures"]),
        "by_source": _summed(pairs, "source", ["signatures"]),
        "comments": pd.DataFrame([{"comments": comments}]),
    }


def _summed(groups: pd.DataFrame, key: str, counts: list[str]) -> pd.DataFrame:
    """`counts` summed per `key` ("—" for an empty or missing one), the largest first count first."""
    named = groups.assign(**{key: groups[key].fillna("").replace("", "—")})
    summed = named.groupby(key)[counts].sum().astype(int).reset_index()
    return summed.sort_values([counts[0], key], ascending=[False, True], ignore_index=True)


# --- volunteers --------------------------------------------------------------------------------

FUNNEL = ["new", "contacted", "vetted", "invited", "active"]


def volunteer_frames(conn: Connection, f: ReportFilter) -> Frames:
    v, h = t.volunteers, t.status_changes
    people = [v.c.confirmed_at.is_not(None), v.c.erased_at.is_(None), *f.bounds(v.c.confirmed_at)]
    if f.group_id:
        people.append(v.c.id.in_(sa.select(t.memberships.c.volunteer_id).where(t.memberships.c.group_id == f.group_id)))

    total = conn.execute(sa.select(sa.func.count()).select_from(v).where(*people)).scalar_one()
    reached: dict[str, int] = dict(conn.execute(
        sa.select(h.c.to_status, sa.func.count(sa.distinct(h.c.volunteer_id)))
        .where(h.c.volunteer_id.in_(sa.select(v.c.id).where(*people)))
        .group_by(h.c.to_status)
    ).all())
    current: dict[str, int] = dict(
        conn.execute(sa.select(v.c.status, sa.func.count()).where(*people).group_by(v.c.status)).all()
    )
    funnel = pd.DataFrame(
        [{"stage": stage, "reached": total if stage == "new" else max(reached.get(stage, 0), current.get(stage, 0)),
          "now": current.get(stage, 0)} for stage in FUNNEL]
    )

    first_contact = (
        sa.select(h.c.volunteer_id, sa.func.min(h.c.at).label("contacted_at"))
        .where(h.c.to_status == "contacted").group_by(h.c.volunteer_id).subquery()
    )
    waits = _frame(conn, sa.select(v.c.confirmed_at, first_contact.c.contacted_at)
                   .join(first_contact, first_contact.c.volunteer_id == v.c.id).where(*people),
                   ["confirmed_at", "contacted_at"])
    if waits.empty:
        contact = pd.DataFrame([{"contacted": 0, "median_days": None, "mean_days": None}])
    else:
        days = (
            pd.to_datetime(waits["contacted_at"]) - pd.to_datetime(waits["confirmed_at"])
        ).dt.total_seconds() / 86400
        contact = pd.DataFrame([{"contacted": len(days), "median_days": round(float(days.median()), 1),
                                 "mean_days": round(float(days.mean()), 1)}])

    lists = _frame(conn, sa.select(v.c.skills, v.c.languages, sa.func.count()).where(*people)
                   .group_by(v.c.skills, v.c.languages), ["skills", "languages", "people"])
    g, m = t.groups, t.memberships
    # Grouped by the key alone: the name (JSON, {locale code: text}) depends on it, and PostgreSQL
    # cannot compare json values.
    group_rows = sa.select(
        g.c.name, sa.func.count(m.c.id).label("members"),
        sa.func.sum(sa.case((m.c.is_lead, 1), else_=0)).label("leads"),
    ).select_from(g.outerjoin(m, m.c.group_id == g.c.id)).group_by(g.c.id).order_by(g.c.id)
    if not f.include_confidential:
        group_rows = group_rows.where(g.c.confidential.is_(False))
    by_group = _frame(conn, group_rows, ["group", "members", "leads"])
    by_group["leads"] = by_group["leads"].fillna(0).astype(int)

    quiet_since = datetime.combine(f.day() - timedelta(days=30), time.min)
    recent = sa.union(
        sa.select(t.task_events.c.actor_volunteer_id.label("vid")).where(t.task_events.c.at >= quiet_since),
        sa.select(t.task_comments.c.author_volunteer_id.label("vid")).where(
            t.task_comments.c.created_at >= quiet_since
        ),
    ).subquery()
    quiet = conn.execute(
        sa.select(sa.func.count()).select_from(v).where(
            *people, v.c.status == "active", v.c.id.not_in(sa.select(recent.c.vid).where(recent.c.vid.is_not(None)))
        )
    ).scalar_one()
    return {
        "funnel": funnel,
        "time_to_first_contact": contact,
        "by_group": by_group,
        "by_skill": _explode_counts(lists["skills"], lists["people"], "skill")
        if not lists.empty
        else pd.DataFrame(columns=["skill", "count"]),
        "by_language": _explode_counts(lists["languages"], lists["people"], "language")
        if not lists.empty
        else pd.DataFrame(columns=["language", "count"]),
        "went_quiet": pd.DataFrame([{"active_without_activity_30_days": quiet}]),
    }


# --- working groups ----------------------------------------------------------------------------


def group_frames(conn: Connection, f: ReportFilter) -> Frames:
    g, k, m = t.groups, t.tasks, t.memberships
    visible: list[sa.ColumnElement[bool]] = [] if f.include_confidential else [g.c.confidential.is_(False)]
    if f.group_id:
        visible.append(g.c.id == f.group_id)
    today = f.day()
    open_ = k.c.status != "done"
    tasks = _frame(conn, sa.select(
        g.c.id, g.c.name,
        sa.func.sum(sa.case((open_, 1), else_=0)),
        sa.func.sum(sa.case((k.c.status == "done", 1), else_=0)),
        sa.func.sum(sa.case((sa.and_(open_, k.c.due_on < today), 1), else_=0)),
    ).select_from(g.outerjoin(k, k.c.group_id == g.c.id)).where(*visible)
        .group_by(g.c.id).order_by(g.c.id),
        ["group_id", "group", "open", "done", "overdue"])
    for column in ("open", "done", "overdue"):
        tasks[column] = tasks[column].fillna(0).astype(int)

    active: dict[int, int] = dict(conn.execute(
        sa.select(m.c.group_id, sa.func.count()).join(t.volunteers, t.volunteers.c.id == m.c.volunteer_id)
        .where(t.volunteers.c.status == "active").group_by(m.c.group_id)
    ).all())
    tasks["active_members"] = tasks["group_id"].map(active).fillna(0).astype(int)
    tasks["open_per_active_member"] = (
        tasks["open"] / tasks["active_members"].where(tasks["active_members"] > 0)
    ).round(2)

    e = t.task_events
    done_daily = _days(_frame(conn, sa.select(f.day_of(conn, e.c.at).label("day"), sa.func.count())
                              .join(k, k.c.id == e.c.task_id).join(g, g.c.id == k.c.group_id)
                              .where(e.c.kind == "status", e.c.detail == "done", *visible, *f.bounds(e.c.at))
                              .group_by("day").order_by("day"), ["day", "done"]))
    if done_daily.empty:
        weekly = pd.DataFrame(columns=["week", "done"])
    else:
        series = done_daily.set_index(pd.to_datetime(done_daily["day"]))["done"]
        weekly = series.resample("W-MON", label="left", closed="left").sum().rename_axis("week").reset_index()
        weekly["week"] = weekly["week"].dt.date
    return {"tasks_by_group": tasks.drop(columns=["group_id"]), "done_per_week": weekly}


# --- newsletter --------------------------------------------------------------------------------


def newsletter_frames(conn: Connection, f: ReportFilter) -> Frames:
    s, i, o = t.subscribers, t.issues, t.outbox
    joined = _days(_frame(conn, sa.select(f.day_of(conn, s.c.created_at).label("day"), sa.func.count())
                          .where(*f.bounds(s.c.created_at)).group_by("day").order_by("day"), ["day", "joined"]))
    left = _days(_frame(conn, sa.select(f.day_of(conn, s.c.unsubscribed_at).label("day"), sa.func.count())
                        .where(s.c.unsubscribed_at.is_not(None), *f.bounds(s.c.unsubscribed_at))
                        .group_by("day").order_by("day"), ["day", "unsubscribed"]))
    over_time = pd.merge(joined, left, on="day", how="outer").fillna(0).sort_values("day", ignore_index=True)
    for column in ("joined", "unsubscribed"):
        over_time[column] = over_time[column].astype(int)
    over_time["net_total"] = (over_time["joined"] - over_time["unsubscribed"]).cumsum()

    by_status = _frame(conn, sa.select(s.c.status, sa.func.count()).group_by(s.c.status).order_by(s.c.status),
                       ["status", "subscribers"])

    counts = _frame(conn, sa.select(
        i.c.id, i.c.subject, i.c.started_at,
        sa.func.sum(sa.case((o.c.status == "sent", 1), else_=0)),
        sa.func.sum(sa.case((o.c.status == "failed", 1), else_=0)),
        sa.func.count(o.c.id),
    ).select_from(i.join(o, o.c.issue_id == i.c.id)).where(i.c.started_at.is_not(None), *f.bounds(i.c.started_at))
        .group_by(i.c.id, i.c.started_at).order_by(i.c.started_at),
        ["issue_id", "subject", "started_at", "sent", "failed", "recipients"])
    if not counts.empty:
        unsubscribed = []
        for started in counts["started_at"]:
            window_end = pd.to_datetime(started) + pd.Timedelta(days=7)
            unsubscribed.append(conn.execute(sa.select(sa.func.count()).where(
                s.c.unsubscribed_at >= pd.to_datetime(started).to_pydatetime(),
                s.c.unsubscribed_at < window_end.to_pydatetime(),
            )).scalar_one())
        counts["unsubscribed_within_7_days"] = unsubscribed
        attempted = counts["sent"] + counts["failed"]
        counts["delivery_rate"] = (counts["sent"] / attempted.where(attempted > 0)).round(4)
        local = pd.to_datetime(counts["started_at"]) + pd.Timedelta(minutes=f.utc_offset_minutes)
        counts["started_at"] = local.dt.date
    return {"subscribers_over_time": over_time, "subscribers_by_status": by_status, "issues": counts}


# --- events ---------------------------------------------------------------------------------------


def event_frames(conn: Connection, f: ReportFilter) -> Frames:
    """Per event: RSVPs, places taken, arrivals, show rate and new people. The counts live on the
    event row (they outlive the RSVPs); the database divides, pandas only orders and types."""
    e, g = t.events, t.groups
    visible: list[sa.ColumnElement[bool]] = [] if f.include_confidential else [g.c.confidential.is_(False)]
    if f.group_id:
        visible.append(e.c.group_id == f.group_id)
    show_rate = sa.cast(e.c.checked_in_count, sa.Float) / sa.func.nullif(e.c.confirmed_count, 0)
    per_event = _frame(conn, sa.select(
        f.day_of(conn, e.c.starts_at).label("day"), e.c.title, e.c.capacity, e.c.rsvp_count,
        e.c.confirmed_count, e.c.checked_in_count, e.c.walk_in_count, show_rate, e.c.new_people_count,
    ).join(g, g.c.id == e.c.group_id).where(e.c.status != "draft", *visible, *f.bounds(e.c.starts_at))
        .order_by(e.c.starts_at, e.c.id),
        ["day", "title", "capacity", "rsvps", "places_taken", "checked_in", "walk_ins", "show_rate",
         "new_people"])
    per_event = _days(per_event)
    if not per_event.empty:
        per_event["show_rate"] = per_event["show_rate"].astype(float).round(4)
    return {"events": per_event}


# --- help requests and takedowns (caseworkers and admins) -----------------------------------------


def intake_frames(conn: Connection, f: ReportFilter) -> Frames:
    r, d = t.help_requests, t.takedowns
    requests = _frame(conn, sa.select(r.c.received_week, r.c.kinds)
                      .where(*f.bounds(r.c.received_week, stored_utc=False)), ["week", "kinds"])
    if requests.empty:
        weekly = pd.DataFrame(columns=["week", "kind", "requests"])
    else:
        requests["kind"] = requests["kinds"].fillna("").str.split(",")
        exploded = requests.explode("kind")
        exploded["kind"] = exploded["kind"].str.strip().replace("", "other")
        exploded["week"] = pd.to_datetime(exploded["week"]).dt.date
        weekly = exploded.groupby(["week", "kind"]).size().reset_index(name="requests")

    rows = _frame(conn, sa.select(d.c.platform, d.c.response, d.c.reported_on, d.c.removed_on)
                  .where(*f.bounds(d.c.reported_on, stored_utc=False)),
                  ["platform", "response", "reported_on", "removed_on"])
    if rows.empty:
        platforms = pd.DataFrame(columns=["platform", "filed", "answered", "response_rate", "removed",
                                          "median_days_to_removal", "still_online"])
    else:
        rows["answered"] = rows["response"] != "none"
        rows["removed"] = rows["removed_on"].notna()
        rows["days"] = (pd.to_datetime(rows["removed_on"]) - pd.to_datetime(rows["reported_on"])).dt.days
        grouped = rows.groupby("platform")
        platforms = pd.DataFrame({
            "filed": grouped.size(),
            "answered": grouped["answered"].sum().astype(int),
            "removed": grouped["removed"].sum().astype(int),
            "median_days_to_removal": grouped["days"].median(),
        }).reset_index()
        platforms["response_rate"] = (platforms["answered"] / platforms["filed"]).round(4)
        platforms["still_online"] = platforms["filed"] - platforms["removed"]
        platforms = platforms[["platform", "filed", "answered", "response_rate", "removed",
                               "median_days_to_removal", "still_online"]].sort_values(
            ["filed", "platform"], ascending=[False, True], ignore_index=True)
    return {"requests_per_week_by_type": weekly, "takedowns_by_platform": platforms}


# Sections in page order: key -> (builder, caseworkers only?)
SECTIONS: dict[str, tuple[Callable[[Connection, ReportFilter], Frames], bool]] = {
    "petitions": (petition_frames, False),
    "volunteers": (volunteer_frames, False),
    "groups": (group_frames, False),
    "newsletter": (newsletter_frames, False),
    "events": (event_frames, False),
    "intake": (intake_frames, True),
}


def all_frames(conn: Connection, f: ReportFilter, with_intake: bool) -> dict[str, Frames]:
    """Every section's frames; the help-desk section only when the reader may see it."""
    return {key: build(conn, f) for key, (build, restricted) in SECTIONS.items() if with_intake or not restricted}
