# ruff: noqa: E501  (the rows of the old layout read best one statement per entry)
"""The move from `_zh` / `_en` column pairs to one translations structure per field keeps every
text of a database that holds data in today's layout, and the downgrade gives them back.

Runs on its own SQLite file and, when TEST_DATABASE_URL is PostgreSQL, on a database of its own
on that server, so the shared test database stays as is."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from campaign import create_app
from campaign.config import database_uri
from campaign.extensions import db
from tests.conftest import TEST_SECRET

BEFORE = "0013_api"

# Rows in the old layout, one per table that had pairs.
OLD_ROWS = [
    "INSERT INTO working_groups (id, name_zh, name_en, description_zh, description_en, open_to_interest, confidential,"
    " vetted_only, content_free, created_at) VALUES (1, '政策倡导', 'Policy advocacy', '写信', '', true, false, false,"
    " false, CURRENT_TIMESTAMP)",
    "INSERT INTO petitions (id, slug, status, title_zh, title_en, summary_zh, summary_en, body_zh, body_en, body_html_zh,"
    " body_html_en, target_zh, target_en, thanks_zh, thanks_en, share_text_zh, share_text_en, goal, signature_count, created_at,"
    " updated_at, milestones, milestone_reached, embed_origins) VALUES (1, 'stop', 'open', '停止偷拍', 'Stop hidden cameras',"
    " '摘要', '', '正文', 'Body', '<p>正文</p>', '<p>Body</p>', '人大', '', '', '', '', '', 1000, 0, CURRENT_TIMESTAMP,"
    " CURRENT_TIMESTAMP, '', 0, '')",
    "INSERT INTO petition_updates (id, petition_id, kind, title_zh, title_en, body_zh, body_en, body_html_zh,"
    " body_html_en, created_at) VALUES (1, 1, 'update', '进展', '', '内容', '', '<p>内容</p>', '', CURRENT_TIMESTAMP)",
    "INSERT INTO events (id, group_id, status, title_zh, title_en, description_zh, description_en, description_html_zh,"
    " description_html_en, area_zh, area_en, questions_zh, questions_en, online, place, starts_at, ends_at, capacity,"
    " confirmed_count, rsvp_count, checked_in_count, walk_in_count, new_people_count, created_at, updated_at)"
    " VALUES (1, 1, 'published', '放映会', 'Screening', '', '', '', '', '上海徐汇', 'Shanghai, Xuhui', '无障碍需求？', '',"
    " false, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 30, 0, 0, 0, 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO newsletter_issues (id, subject, body, subject_en, body_en, topics, languages, segment, status,"
    " pause_reason, published, created_at, updated_at) VALUES (1, '第一期', '你好', 'Issue one', 'Hello', '', 'zh_Hans,en',"
    " '', 'draft', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO newsletter_templates (id, name, subject, body, subject_en, body_en, created_at)"
    " VALUES (1, 'monthly', '月报', '', '', 'Monthly', CURRENT_TIMESTAMP)",
]

MOVED = {
    ("working_groups", "name"): {"zh_Hans": "政策倡导", "en": "Policy advocacy"},
    ("working_groups", "description"): {"zh_Hans": "写信"},
    ("petitions", "title"): {"zh_Hans": "停止偷拍", "en": "Stop hidden cameras"},
    ("petitions", "body_html"): {"zh_Hans": "<p>正文</p>", "en": "<p>Body</p>"},
    ("petitions", "share_text"): {},
    ("petition_updates", "title"): {"zh_Hans": "进展"},
    ("events", "area"): {"zh_Hans": "上海徐汇", "en": "Shanghai, Xuhui"},
    ("events", "questions"): {"zh_Hans": "无障碍需求？"},
    ("newsletter_issues", "subject"): {"zh_Hans": "第一期", "en": "Issue one"},
    ("newsletter_issues", "body"): {"zh_Hans": "你好", "en": "Hello"},
    ("newsletter_templates", "body"): {"en": "Monthly"},
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'translations.sqlite3'}"
        return
    shared = os.environ.get("TEST_DATABASE_URL", "")
    if not shared or make_url(database_uri(shared)).get_backend_name() != "postgresql":
        pytest.skip("TEST_DATABASE_URL is not PostgreSQL")
    server = make_url(database_uri(shared))
    name = f"migrate_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_moves_every_text_and_downgrade_gives_it_back(empty_database: str, tmp_path: Path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": TEST_SECRET,
                      "DATABASE_URL": empty_database})
    with app.app_context():
        upgrade(revision=BEFORE)
        for statement in OLD_ROWS:
            db.session.execute(text(statement))
        db.session.commit()

        upgrade()
        for (table, column), expected in MOVED.items():
            # The names come from MOVED above, not from input.
            stored = db.session.execute(text(f"SELECT {column} FROM {table}")).scalar_one()  # noqa: S608
            assert _as_dict(stored) == expected, (table, column)
        # The models read the moved texts, with the fallback for a language never written.
        from campaign.petitions.models import Petition

        petition = db.session.get(Petition, 1)
        assert petition is not None
        assert petition.text("title", "zh_Hant") == "停止偷拍"
        assert petition.text("summary", "en") == "摘要" and petition.text("summary", "en").fallback
        db.session.remove()

        downgrade(revision=BEFORE)
        row = db.session.execute(text("SELECT title_zh, title_en, summary_en FROM petitions")).one()
        assert tuple(row) == ("停止偷拍", "Stop hidden cameras", "")
        issue = db.session.execute(text("SELECT subject, subject_en, body_en FROM newsletter_issues")).one()
        assert tuple(issue) == ("第一期", "Issue one", "Hello")
        group = db.session.execute(text("SELECT name_zh, name_en FROM working_groups")).one()
        assert tuple(group) == ("政策倡导", "Policy advocacy")
        db.session.remove()
        db.engine.dispose()


def _as_dict(stored: object) -> object:
    import json

    return json.loads(stored) if isinstance(stored, str) else stored
