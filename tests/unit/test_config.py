"""Settings come from the environment; a wrong value stops start-up with one clear line."""
from __future__ import annotations

import os
import stat

import pytest

from campaign.config import ConfigError, load


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("MAIL_PORT", "twenty-five", "MAIL_PORT must be a whole number"),
        ("MAIL_USE_TLS", "maybe", "MAIL_USE_TLS must be true or false"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL must start with"),
        ("BASE_URL", "campaign.example.org", "BASE_URL must be an http"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must start with"),
        ("ORG_TIMEZONE", "Mars/Olympus", "ORG_TIMEZONE must be an IANA time zone"),
    ],
)
def test_wrong_setting_stops_start_up_with_one_line(monkeypatch, tmp_path, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load(str(tmp_path))
    message = str(caught.value)
    assert says in message and "\n" not in message


def test_defaults_use_sqlite_in_the_instance_folder_and_a_private_key_file(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "SECRET_KEY", "MAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    cfg = load(str(tmp_path))
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'campaign.sqlite3'}"
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load(str(tmp_path))["SECRET_KEY"] == cfg["SECRET_KEY"]  # generated once, then reused
    assert cfg["MAIL_SUPPRESS_SEND"] is True  # no server: mail goes to the dev mailbox


def test_postgres_urls_use_psycopg_3(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/campaign")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    assert load(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/campaign"
