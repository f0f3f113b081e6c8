"""The intake migration applies to a database that already holds data, and can be undone."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from campaign import create_app
from campaign.extensions import db
from tests.conftest import TEST_SECRET

INTAKE_TABLES = {"intake_keys", "help_requests", "intake_messages", "intake_notes", "takedowns"}


def test_upgrade_with_data_and_downgrade(tmp_path):
    """Existing staff accounts survive the upgrade; the downgrade removes only the intake tables.

    Runs on its own SQLite file whatever TEST_DATABASE_URL says, so the shared database stays as is.
    """
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": TEST_SECRET,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'migrate.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0001")
        db.session.execute(
            text(
                "INSERT INTO users (email, display_name, locale, session_version, totp_enabled, created_at) "
                "VALUES ('kept@example.org', '', 'en', 1, false, CURRENT_TIMESTAMP)"
            )
        )
        db.session.commit()
        upgrade(revision="0005")
        assert INTAKE_TABLES <= set(inspect(db.engine).get_table_names())
        assert db.session.execute(text("SELECT email FROM users")).scalar_one() == "kept@example.org"
        db.session.execute(
            text(
                "INSERT INTO takedowns (platform, content_type, target, notes, reference, reported_on, response) "
                "VALUES ('telegram', 'partner', '', '', '', '2026-01-01', 'none')"
            )
        )
        db.session.commit()
        downgrade(revision="0001")
        assert not INTAKE_TABLES & set(inspect(db.engine).get_table_names())
        assert db.session.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()
