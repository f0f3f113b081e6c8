"""Report figures checked against values computed by hand on a small fixture, with no Flask app:
the frames are pure functions of a database connection."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.reports import frames as fr
from campaign.reports import tables as t

D = datetime
# A group's name in each language written; the frames keep it so, the reader's language is picked later.
POLICY = {"zh_Hans": "政策倡导", "zh_Hant": "政策倡導", "en": "Policy"}
SUPPORT = {"zh_Hans": "幸存者支持", "en": "Survivor support"}


@pytest.fixture()
def conn():
    engine = sa.create_engine("sqlite://")
    db.metadata.create_all(engine)
    with engine.begin() as c:
        c.execute(t.petitions.insert(), [
            {"id": 1, "slug": "a", "status": "open", "goal": 10, "title": {"zh_Hans": "甲"}},
            {"id": 2, "slug": "b", "status": "open", "goal": 5, "title": {"zh_Hans": "乙"}},
        ])
        sig = lambda i, p, status, created, confirmed, region="", src="", comment="": {  # noqa: E731
            "petition_id": p, "email": f"{i}@x.org", "name": "n", "region": region, "src": src, "comment": comment,
            "status": status, "created_at": created, "confirmed_at": confirmed}
        c.execute(t.signatures.insert(), [
            sig(1, 1, "confirmed", D(2026, 3, 1, 9), D(2026, 3, 1, 10), "北京", "weibo", "支持"),
            sig(2, 1, "confirmed", D(2026, 3, 1, 11), D(2026, 3, 1, 12), "北京", "telegram"),
            sig(3, 1, "confirmed", D(2026, 3, 2, 9), D(2026, 3, 3, 9), "上海", "weibo", "=cmd"),
            sig(4, 1, "pending", D(2026, 3, 2, 9), None, "上海"),
            sig(5, 2, "confirmed", D(2026, 3, 2, 9), D(2026, 3, 2, 9), ""),
        ])
        c.execute(
            t.volunteers.insert(),
            [
                {
                    "id": 1,
                    "email": "v1@x.org",
                    "nickname": "a",
                    "status": "active",
                    "skills": "law,design",
                    "languages": "zh,en",
                    "created_at": D(2026, 3, 1),
                    "confirmed_at": D(2026, 3, 1),
                },
                {
                    "id": 2,
                    "email": "v2@x.org",
                    "nickname": "b",
                    "status": "contacted",
                    "skills": "law",
                    "languages": "zh",
                    "created_at": D(2026, 3, 1),
                    "confirmed_at": D(2026, 3, 1),
                },
                {
                    "id": 3,
                    "email": "v3@x.org",
                    "nickname": "c",
                    "status": "new",
                    "skills": "",
                    "languages": "en",
                    "created_at": D(2026, 3, 2),
                    "confirmed_at": D(2026, 3, 2),
                },
                {
                    "id": 4,
                    "email": "v4@x.org",
                    "nickname": "d",
                    "status": "new",
                    "skills": "",
                    "languages": "",
                    "created_at": D(2026, 3, 2),
                    "confirmed_at": None,
                },
            ],
        )
        c.execute(t.status_changes.insert(), [
            {"volunteer_id": 1, "to_status": "contacted", "at": D(2026, 3, 3)},
            {"volunteer_id": 1, "to_status": "invited", "at": D(2026, 3, 4)},
            {"volunteer_id": 1, "to_status": "active", "at": D(2026, 3, 5)},
            {"volunteer_id": 2, "to_status": "contacted", "at": D(2026, 3, 2)},
        ])
        c.execute(t.groups.insert(), [
            {"id": 1, "name": POLICY, "confidential": False},
            {"id": 2, "name": SUPPORT, "confidential": True},
        ])
        c.execute(t.memberships.insert(), [{"group_id": 1, "volunteer_id": 1, "is_lead": True},
                                           {"group_id": 2, "volunteer_id": 2, "is_lead": False}])
        c.execute(t.tasks.insert(), [
            {"id": 1, "group_id": 1, "title": "写信", "status": "todo", "due_on": date(2026, 3, 1)},
            {"id": 2, "group_id": 1, "title": "翻译", "status": "done", "due_on": date(2026, 3, 1)},
            {"id": 3, "group_id": 1, "title": "设计", "status": "in_progress", "due_on": date(2026, 4, 1)},
            {"id": 4, "group_id": 2, "title": "陪伴", "status": "todo", "due_on": None},
        ])
        c.execute(t.task_events.insert(), [{"task_id": 2, "kind": "status", "detail": "done", "at": D(2026, 3, 4)}])
        c.execute(
            t.takedowns.insert(),
            [
                {
                    "platform": "telegram",
                    "content_type": "video",
                    "reported_on": date(2026, 3, 1),
                    "response": "removed",
                    "removed_on": date(2026, 3, 3),
                },
                {
                    "platform": "telegram",
                    "content_type": "video",
                    "reported_on": date(2026, 3, 1),
                    "response": "removed",
                    "removed_on": date(2026, 3, 5),
                },
                {
                    "platform": "telegram",
                    "content_type": "image",
                    "reported_on": date(2026, 3, 2),
                    "response": "none",
                    "removed_on": None,
                },
                {
                    "platform": "weibo",
                    "content_type": "image",
                    "reported_on": date(2026, 3, 2),
                    "response": "refused",
                    "removed_on": None,
                },
            ],
        )
    with engine.connect() as c:
        yield c


def test_petition_figures(conn):
    frames = fr.petition_frames(conn, fr.ReportFilter(petition_id=1))
    daily = frames["signatures_per_day"]
    assert [str(d) for d in daily["day"]] == ["2026-03-01", "2026-03-03"]
    assert list(daily["signatures"]) == [2, 1] and list(daily["cumulative"]) == [2, 3]
    assert set(daily["goal"]) == {10}
    assert frames["confirmation"].iloc[0].to_dict() == {"signed": 4, "confirmed": 3, "rate": 0.75}
    assert frames["by_region"].values.tolist() == [["北京", 2], ["上海", 1]]
    assert frames["by_channel"].values.tolist() == [["weibo", 2], ["telegram", 1]]
    assert frames["comments"].iloc[0, 0] == 2
    # No region or channel given: counted under "—".
    unnamed = fr.petition_frames(conn, fr.ReportFilter(petition_id=2))
    assert unnamed["by_region"].values.tolist() == [["—", 1]]
    assert unnamed["by_channel"].values.tolist() == [["—", 1]]
    assert unnamed["by_source"].values.tolist() == [["online", 1]]


def test_petition_date_filter_and_all_petitions(conn):
    frames = fr.petition_frames(conn, fr.ReportFilter(since=date(2026, 3, 2), until=date(2026, 3, 2)))
    assert frames["signatures_per_day"]["signatures"].sum() == 1  # only petition 2's, confirmed on 3/2
    assert set(fr.petition_frames(conn, fr.ReportFilter())["signatures_per_day"]["goal"]) == {15}


def test_people_sharing_one_list_each_count(conn):
    """The database groups people by their skill and language lists: a list held by two people counts
    twice for each of its keys."""
    conn.execute(t.volunteers.insert(), [{
        "id": 90, "email": "v90@x.org", "nickname": "z", "status": "new", "skills": "law", "languages": "zh",
        "created_at": D(2026, 3, 1), "confirmed_at": D(2026, 3, 1),
    }])
    frames = fr.volunteer_frames(conn, fr.ReportFilter(today=date(2026, 3, 10)))
    assert frames["by_skill"].values.tolist() == [["law", 3], ["design", 1]]
    assert frames["by_language"].values.tolist() == [["zh", 3], ["en", 2]]


def test_volunteer_figures(conn):
    frames = fr.volunteer_frames(conn, fr.ReportFilter(today=date(2026, 3, 10)))
    funnel = frames["funnel"].set_index("stage")["reached"].to_dict()
    assert funnel == {"new": 3, "contacted": 2, "vetted": 0, "invited": 1, "active": 1}
    contact = frames["time_to_first_contact"].iloc[0]
    assert contact["contacted"] == 2 and contact["median_days"] == 1.5  # 2 days and 1 day
    assert frames["by_skill"].values.tolist() == [["law", 2], ["design", 1]]
    assert frames["by_language"].values.tolist() == [["en", 2], ["zh", 2]]  # ties in name order
    assert frames["by_group"]["group"].tolist() == [POLICY]  # the confidential group is left out
    assert frames["went_quiet"].iloc[0, 0] == 1
    admin_view = fr.volunteer_frames(conn, fr.ReportFilter(include_confidential=True))
    assert admin_view["by_group"]["group"].tolist() == [POLICY, SUPPORT]


def test_group_figures(conn):
    frames = fr.group_frames(conn, fr.ReportFilter(today=date(2026, 3, 10)))
    row = frames["tasks_by_group"].iloc[0]
    assert (row["group"], row["open"], row["done"], row["overdue"], row["active_members"]) == (POLICY, 2, 1, 1, 1)
    assert row["open_per_active_member"] == 2.0
    assert len(frames["tasks_by_group"]) == 1
    weekly = frames["done_per_week"]
    assert [str(w) for w in weekly["week"]] == ["2026-03-02"] and list(weekly["done"]) == [1]


def test_takedown_figures(conn):
    platforms = fr.intake_frames(conn, fr.ReportFilter())["takedowns_by_platform"].set_index("platform")
    telegram = platforms.loc["telegram"]
    assert (telegram["filed"], telegram["answered"], telegram["removed"], telegram["still_online"]) == (3, 2, 2, 1)
    assert telegram["median_days_to_removal"] == 3.0  # 2 and 4 days
    assert round(telegram["response_rate"], 4) == 0.6667
    assert platforms.loc["weibo", "response_rate"] == 1.0 and platforms.loc["weibo", "still_online"] == 1
