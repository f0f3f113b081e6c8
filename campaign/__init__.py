"""The campaign toolkit: create_app() builds the Flask application from a short list of steps."""
from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine

from campaign import access, assets, content, errors, i18n, paging, security, sessions, timeutil, worker
from campaign import config as settings
from campaign import features as house
from campaign.extensions import csrf, db, limiter, login_manager, migrate
from campaign.extensions import mail as flask_mail

ROOT = Path(__file__).resolve().parent.parent


def create_app(
    config: Mapping[str, Any] | None = None, features: Iterable[house.Feature] | None = None
) -> Flask:
    """Build the app. `config` holds settings that replace settings read from the environment.

    `INSTANCE_PATH` among the overrides moves the instance folder (tests use a temporary one).
    `features` are the manifests to install (every shipped feature when not given).
    """
    overrides = dict(config or {})
    app = Flask(
        __name__,
        instance_path=overrides.pop("INSTANCE_PATH", None),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.update(settings.load(app.instance_path, overrides))
    _configure_logging()
    _init_extensions(app)
    house.install(app, features if features is not None else default_features())
    _register_templating(app)
    _register_cli(app)
    return app


def default_features() -> tuple[house.Feature, ...]:
    """Every feature that ships, in menu order."""
    from campaign.admin.feature import feature as admin
    from campaign.api.feature import feature as api
    from campaign.auth.feature import feature as auth
    from campaign.core.feature import feature as core
    from campaign.events.feature import feature as events
    from campaign.intake.feature import feature as intake
    from campaign.mail.feature import feature as mail
    from campaign.newsletter.feature import feature as newsletter
    from campaign.petitions.feature import feature as petitions
    from campaign.reports.feature import feature as reports
    from campaign.rights.feature import feature as rights
    from campaign.volunteers.feature import feature as volunteers

    # api last: it mounts the API resources the features before it declare.
    return (core, auth, admin, mail, newsletter, petitions, volunteers, events, intake, reports, rights, api)


def _configure_logging() -> None:
    # The development server logs each request with the visitor's address; we keep none.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        _owner_only_files(cursor)
        cursor.execute("PRAGMA journal_mode=WAL")
        # Deleted rows are overwritten with zeros, so erased data does not linger in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _owner_only_files(cursor: sqlite3.Cursor) -> None:
    """Make the database file (and so its WAL and SHM, which SQLite creates with the database
    file's mode) readable by the app's user only."""
    for _seq, name, path in cursor.execute("PRAGMA database_list").fetchall():
        if name != "main" or not path:
            continue
        for suffix in ("", "-wal", "-shm"):
            try:
                os.chmod(path + suffix, 0o600)
            except OSError:
                pass  # not created yet, or not ours


def _init_extensions(app: Flask) -> None:
    from campaign.auth.models import User

    app.session_interface = sessions.CookieSessions()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    flask_mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(ident: str) -> User | None:
        user_id, _sep, version = ident.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.is_active or str(user.session_version) != version:
            return None
        # The cookie's session must still be open on the server (not signed out, revoked or idle).
        live = sessions.current(session.get(sessions.COOKIE_KEY), sessions.STAFF)
        if live is None or live.subject_id != user.id:
            return None
        return user

    access.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    worker.init_app(app)


def _register_templating(app: Flask) -> None:
    features = house.registry(app)
    assets.init_app(app)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        locale = i18n.select_locale()
        return {
            "languages": i18n.languages().ordered,
            "current_lang": i18n.locale_code(locale),  # which translation of content to show
            "html_lang": i18n.tag(locale),
            "org_name": app.config["ORG_NAME"],
            "public_nav": features.public_nav,
            "has_feature": features.has,
            "lang_link_works": i18n.answers_get(),
        }

    app.add_template_global(paging.page_url)
    app.add_template_global(timeutil.org_today)
    app.add_template_filter(content.shown_in)
    app.add_template_global(content.fallback_note)

    @app.template_global()
    def lang_repost() -> list[tuple[str, str]] | None:
        """What the language switch sends again on a page showing a posted form, else None."""
        return i18n.repost_fields()

    @app.template_global()
    def url_with_lang(lang: str) -> str:
        args = request.args.to_dict()
        args["lang"] = lang
        return f"{request.path}?{urlencode(args)}"


def _register_cli(app: Flask) -> None:
    from campaign.cli import register

    register(app)

