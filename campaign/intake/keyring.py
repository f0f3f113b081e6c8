"""The signed-in caseworker's keyring: the session names an unlock that the server holds sealed.

campaign/intake/unlock.py keeps the sealed key; the session keeps only the (encrypted) secret that
opens it, under `_HANDLE`. Views and the takedown tracker get the keyring from here.
"""
from __future__ import annotations

from flask import Flask, current_app, session
from flask_login import current_user, user_logged_out

from campaign import sessions
from campaign.intake import services as intake
from campaign.intake.crypto import CaseKeyring
from campaign.intake.unlock import UnlockStore, store_for

_HANDLE = "intake_unlock"  # the session holds the unlock secret, encrypted; never the key


def _store() -> UnlockStore:
    return store_for(current_app._get_current_object())  # type: ignore[attr-defined]


def team_keyring() -> CaseKeyring:
    """The keyring for the signed-in caseworker: unlocked while their session names a live unlock."""
    locked = intake.keyring()
    private = _store().get(session.get(_HANDLE), current_user.id, locked.version, current_user.session_version)
    return intake.keyring(private) if private is not None else locked


def hold(ring: CaseKeyring) -> None:
    """Keep `ring`'s key unlocked for this session (replacing an earlier unlock)."""
    store = _store()
    store.drop(session.get(_HANDLE))
    session[_HANDLE] = store.put(ring.private_key(), ring.version, current_user.id, current_user.session_version)


def release() -> None:
    """Lock: destroy this session's unlock."""
    _store().drop(session.pop(_HANDLE, None))


def _release_on_sign_out(sender: Flask, **_extra: object) -> None:
    store_for(sender).drop(session.pop(_HANDLE, None))


def _release_on_session_end(sender: Flask, *, kind: str, subject_id: int, **_extra: object) -> None:
    # A staff session ended anywhere (sign-out, revocation, idle, a new sign-in): no unlock of that
    # person outlives it, in any process.
    if kind == sessions.STAFF:
        store_for(sender).drop_user(subject_id)


def setup(app: Flask) -> None:
    """Signing out of `app`, or any end of a staff session, destroys that person's unlocks."""
    user_logged_out.connect(_release_on_sign_out, sender=app, weak=False)
    sessions.session_ended.connect(_release_on_session_end, sender=app, weak=False)
