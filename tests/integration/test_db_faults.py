"""The database unreachable at start-up or mid-run: a clear 503, no traceback, and recovery
without a restart when it returns."""
from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from campaign.config import database_uri
from tests.conftest import free_port


class TcpProxy:
    """A loopback TCP proxy to the database that the test can cut and restore."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self._server is not None:
            try:
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            self._server.close()
            self._server = None
        for conn in self._conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            except OSError:
                pass
        self._conns.clear()


def _status(client) -> int:
    return client.get("/healthz").status_code


def test_postgres_down_at_start_and_mid_run_then_back(database_url, make_app):
    """With PostgreSQL cut off the site answers 503, and serves again once it is back."""
    url = make_url(database_uri(database_url))
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only: the SQLite variant is test_sqlite_file_unreachable_then_back")
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = make_app(DATABASE_URL=proxied)
    client = app.test_client()
    assert _status(client) == 503  # down at start-up: the app still starts and says so
    proxy.start()
    assert _status(client) == 200
    proxy.stop()  # down mid-run
    response = client.get("/staff?lang=en")  # a signed-out visitor is redirected; no database needed
    assert response.status_code == 302
    assert _status(client) == 503
    proxy.start()
    assert _status(client) == 200
    proxy.stop()


def test_sqlite_file_unreachable_then_back(database_url, make_app, tmp_path: Path):
    """An SQLite file that cannot be opened gives 503; once it is there again, pages work."""
    source = make_url(database_uri(database_url))
    if source.get_backend_name() != "sqlite":
        pytest.skip("SQLite only: the PostgreSQL variant is test_postgres_down_at_start_and_mid_run_then_back")
    missing = tmp_path / "gone" / "campaign.sqlite3"
    app = make_app(DATABASE_URL=f"sqlite:///{missing}")
    client = app.test_client()
    assert _status(client) == 503
    missing.parent.mkdir()
    shutil.copy(source.database, missing)
    assert os.path.exists(missing)
    assert _status(client) == 200
