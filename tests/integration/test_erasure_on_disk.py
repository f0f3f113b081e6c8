"""Erasure reaches the disk (finding: after a withdrawal and a /my-data erasure the address and
name were still in the SQLite WAL, and in PostgreSQL's heap files).

SQLite: secure_delete zeroes what is deleted and the WAL is checkpointed (TRUNCATE) at once, so
the database file and its WAL no longer hold the words. PostgreSQL: the upkeep job VACUUMs the
touched tables; the test reads the tables' heap files when it can, and checks that the vacuum ran.
"""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import select, text

from campaign.extensions import db
from campaign.newsletter.models import Subscriber
from campaign.worker import run_once
from tests.conftest import Inbox
from tests.petitions_support import mailed_paths, make_petition, send_mail, sign


def _link(inbox: Inbox, address: str) -> str:
    return next(u for u in Inbox.links(inbox.last_to(address)) if "/my-data/" in u).split("5000", 1)[1]


def _withdraw_and_erase(app, client, inbox: Inbox) -> list[bytes]:
    """A signer withdraws; a subscriber erases everything through /my-data. Returns the words
    (addresses and names) that must be gone."""
    tag = secrets.token_hex(6)
    signer, signer_name = f"signer.{tag}@example.org", f"Withdrawn{tag}"
    reader, reader_name = f"reader.{tag}@example.org", f"Erased{tag}"
    make_petition()
    assert sign(client, email=signer, name=signer_name).status_code == 303
    send_mail(app)
    confirm, withdraw = mailed_paths(inbox, signer)
    assert client.post(confirm, data={}).status_code == 303
    assert client.post(withdraw, data={}).status_code in (200, 303)

    db.session.add(Subscriber(email=reader, name=reader_name, status="confirmed"))
    db.session.commit()
    assert sign(client, email=reader, name=reader_name).status_code == 303
    send_mail(app)
    client.post("/my-data/", data={"email": reader})
    path = _link(inbox, reader)
    assert client.post(path, data={"email": reader, "erase": "1", "confirm_erase": "y"}).status_code == 200
    assert db.session.scalar(select(Subscriber).where(Subscriber.email == reader)) is None
    return [w.encode() for w in (signer, signer_name, reader, reader_name)]


def test_sqlite_file_and_wal_lose_erased_words(app, client, inbox):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's files; PostgreSQL is covered below")
    words = _withdraw_and_erase(app, client, inbox)
    db.session.commit()
    database = Path(db.engine.url.database or "")
    files = [p for p in (database, Path(f"{database}-wal")) if p.exists()]
    assert database in files
    for path in files:
        content = path.read_bytes()
        for word in words:
            assert word not in content, (path.name, word)
    assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_postgresql_tables_are_vacuumed_after_erasure(app, client, inbox):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    words = _withdraw_and_erase(app, client, inbox)
    db.session.commit()
    touched = ["petition_signatures", "subscribers", "queued_mail"]
    assert run_once(app, {"privacy.vacuum"}) >= len(touched)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in touched:
            query = text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = :t")
            last = conn.execute(query, {"t": table}).scalar()
            assert last is not None, table
        # Where the test may read PostgreSQL's files (same host, enough rights), look at the heap.
        try:
            conn.execute(text("CHECKPOINT"))
            data_dir = Path(conn.execute(text("SHOW data_directory")).scalar() or "")
            where = text("SELECT pg_relation_filepath(:t)")
            heap = {t: data_dir / conn.execute(where, {"t": t}).scalar() for t in touched}
            contents = {t: p.read_bytes() for t, p in heap.items()}
        except Exception:  # noqa: BLE001  (not superuser, or another host: last_vacuum above must do)
            return
    for table, content in contents.items():
        for word in words:
            assert word not in content, (table, word)
