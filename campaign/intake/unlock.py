"""Unlocked private keys, held only in this process's memory.

The Flask session (a signed cookie) carries a random handle, never the key. Entries go when the
caseworker signs out (flask_login's user_logged_out signal), locks the key, or stays idle longer
than INTAKE_UNLOCK_MINUTES. With several gunicorn workers each process has its own dict, so a
caseworker may be asked to unlock again when a request lands on another worker: we accept that
rather than share the key through Redis or the database, where a copy of the server would find it
(campaign/intake/README.md suggests `-w 1 --threads 4` for small teams). A restart drops every
unlock.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from flask import Flask
from nacl.public import PrivateKey


@dataclass
class _Entry:
    private_key: PrivateKey
    key_version: int
    user_id: int
    last_used: float


class UnlockStore:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def put(self, private_key: PrivateKey, key_version: int, user_id: int) -> str:
        handle = secrets.token_urlsafe(32)
        with self._lock:
            self._entries[handle] = _Entry(private_key, key_version, user_id, time.monotonic())
        return handle

    def get(self, handle: str | None, user_id: int, key_version: int, idle_seconds: float) -> PrivateKey | None:
        """The key for `handle` if it belongs to `user_id`, matches the current key and is fresh."""
        now = time.monotonic()
        with self._lock:
            for stale in [h for h, e in self._entries.items() if now - e.last_used > idle_seconds]:
                del self._entries[stale]
            entry = self._entries.get(handle or "")
            if entry is None or entry.user_id != user_id or entry.key_version != key_version:
                return None
            entry.last_used = now
            return entry.private_key

    def drop(self, handle: str | None) -> None:
        with self._lock:
            self._entries.pop(handle or "", None)

    def __len__(self) -> int:
        return len(self._entries)


def store_for(app: Flask) -> UnlockStore:
    """The app's store (one per app object, so tests do not share unlocked keys)."""
    found = app.extensions.get("intake_unlocks")
    if found is None:
        found = app.extensions["intake_unlocks"] = UnlockStore()
    return found
