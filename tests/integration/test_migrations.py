"""Alembic owns the schema: migrations match the models and keep data on upgrade."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from campaign.extensions import db


def test_migrations_match_the_models(app):
    """Every model change has its migration: upgrading from empty gives exactly the models' schema."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), db.metadata)
    assert diff == []


def test_upgrade_keeps_existing_data(make_app, tmp_path, inbox):
    """`flask db upgrade` on a database holding data keeps it: downgrade to the first revision
    with a row in it, then upgrade to the head."""
    from flask_migrate import downgrade, upgrade

    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'upgrade.sqlite3'}")
    with app.app_context():
        upgrade(revision="0001")
        db.session.execute(
            text(
                "INSERT INTO users (email, display_name, locale, session_version, totp_enabled, created_at) "
                "VALUES ('keep@example.org', '', 'zh_Hans', 1, false, CURRENT_TIMESTAMP)"
            )
        )
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT email FROM users")).scalar_one() == "keep@example.org"
        downgrade(revision="0001")
        assert db.session.execute(text("SELECT email FROM users")).scalar_one() == "keep@example.org"
        db.session.remove()
