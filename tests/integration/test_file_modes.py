"""Files holding personal data are readable by the app's user only, and the PostgreSQL password
never appears on a command line (findings: 0644 database and .eml files in a 0755 folder; the
password on pg_dump's command line)."""
from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import text

from campaign.extensions import db
from campaign.mail import services as mail


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_instance_folder_database_and_wal_are_owner_only(make_app, tmp_path):
    """A new SQLite database, its WAL and SHM, and the instance folder are 0600/0700, even with a
    permissive umask and a folder made 0755 earlier."""
    instance = tmp_path / "inst"
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)  # noqa: S103  (the loose mode the app must tighten)
    database = tmp_path / "inst" / "fresh.sqlite3"
    old = os.umask(0o022)
    try:
        app = make_app(INSTANCE_PATH=str(instance), DATABASE_URL=f"sqlite:///{database}")
        with app.app_context():
            db.session.execute(text("CREATE TABLE t (x TEXT)"))
            db.session.execute(text("INSERT INTO t VALUES ('someone@example.org')"))
            db.session.commit()
            assert _mode(instance) == 0o700
            assert _mode(database) == 0o600
            for suffix in ("-wal", "-shm"):
                side = Path(str(database) + suffix)
                assert side.exists() and _mode(side) == 0o600
    finally:
        os.umask(old)


def test_dev_mails_are_owner_only(make_app, tmp_path):
    """.eml files written when no mail server is set are 0600 in a 0700 folder."""
    folder = tmp_path / "outbox"
    old = os.umask(0o022)
    try:
        app = make_app(MAIL_SERVER="", MAIL_OUTBOX_DIR=str(folder))
        with app.app_context():
            mail.queue(mail.build_message("ann@example.org", "Hello", "text", "<p>html</p>"))
            db.session.commit()
            assert mail.deliver_due() == 1
    finally:
        os.umask(old)
    files = list(folder.glob("*.eml"))
    assert len(files) == 1 and _mode(files[0]) == 0o600 and _mode(folder) == 0o700


def test_backup_passes_the_database_password_outside_the_command_line(make_app, tmp_path, monkeypatch):
    """pg_dump and pg_restore get the password through PGPASSWORD; argv holds none."""
    from campaign import backup

    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append((list(argv), dict(kwargs.get("env") or {})))
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    monkeypatch.setattr(backup.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    app = make_app(DATABASE_URL="postgresql://campaign:s3cret-Pa55@127.0.0.1:1/campaign")
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["backup", "--out", str(tmp_path / "x.pgdump")])
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["restore", str(tmp_path / "x.pgdump"), "--yes"])
        assert result.exit_code == 0, result.output
    assert len(calls) == 2
    for argv, env in calls:
        assert not any("s3cret" in arg for arg in argv), argv
        assert any("campaign@127.0.0.1:1/campaign" in arg for arg in argv)
        assert env["PGPASSWORD"] == "s3cret-Pa55"
