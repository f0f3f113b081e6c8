"""Settings, read from the environment when the app is created (never at import time)."""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(SystemExit):
    """A wrong setting. Subclassing SystemExit makes start-up stop with this one line."""

    def __init__(self, message: str) -> None:
        super().__init__(f"configuration error: {message}")


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be above zero, not {value}")
    return value


def database_uri(raw: str) -> str:
    """Turn DATABASE_URL into an SQLAlchemy URI that uses psycopg 3 for PostgreSQL."""
    scheme = raw.split(":", 1)[0]
    if scheme in {"postgres", "postgresql"}:
        return "postgresql+psycopg:" + raw.split(":", 1)[1]
    if scheme in {"postgresql+psycopg", "sqlite"}:
        return raw
    raise ConfigError(f"DATABASE_URL must start with sqlite:// or postgresql://, not {scheme}://")


def _secret_key(instance: Path) -> str:
    """The key from SECRET_KEY, or one generated once and kept in the instance folder (0600)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


# name -> (parser, default). Parsers take (name, raw string).
_SETTINGS: dict[str, tuple[Any, str]] = {
    "MAIL_PORT": (_int, "25"),
    "MAIL_USE_TLS": (_bool, "false"),
    "MAIL_USE_SSL": (_bool, "false"),
    "MAIL_TIMEOUT": (_float, "10"),
    "SESSION_IDLE_MINUTES": (_int, "30"),
    "MAX_UPLOAD_MB": (_int, "2"),
    "INVITE_DAYS": (_int, "7"),
    "PETITION_PENDING_DAYS": (_int, "14"),
    # Newsletter dispatch: messages per second per SMTP connection, connections at once across
    # all workers, seconds before a claimed but unrecorded batch is taken back, retry back-off base.
    "NEWSLETTER_RATE": (_float, "50"),
    "NEWSLETTER_MAX_CONNECTIONS": (_int, "2"),
    "NEWSLETTER_BATCH": (_int, "100"),
    "NEWSLETTER_LEASE": (_float, "300"),
    "NEWSLETTER_RETRY_BASE": (_float, "30"),
    "INVITE_REMINDER_DAYS": (_int, "3"),
    # Transactional mail: messages claimed per batch (sent over one connection); whether the mail
    # server offers SMTPUTF8, so addresses with non-ASCII letters before the @ can be accepted.
    "MAIL_BATCH": (_int, "500"),
    "MAIL_SMTPUTF8": (_bool, "false"),
    # Seconds after which a periodic job's run that never finished may be taken over.
    "WORKER_PERIOD_LEASE": (_float, "3600"),
    # Closed help requests are deleted this many days after closing.
    "INTAKE_RETENTION_DAYS": (_int, "180"),
    # RSVPs (nicknames, addresses, answers) are deleted this many days after their event ends.
    "EVENT_RETENTION_DAYS": (_int, "30"),
    # An unlocked case key is dropped after this many minutes without use.
    "INTAKE_UNLOCK_MINUTES": (_int, "30"),
    # Trusted reverse proxies in front of the app (nginx, Caddy, the onion service's proxy). With
    # N > 0 the scheme, host and client address come from the last N X-Forwarded-* values; with 0
    # the forwarded headers are ignored, so a visitor cannot claim another address or HTTPS.
    "PROXY_HOPS": (_int, "0"),
    # Mails that strangers can make the app send to one address per day, all public forms together.
    "UNSOLICITED_MAILS_PER_DAY": (_int, "3"),
    # Public form posts per minute from one address (hashed): a flood ceiling, not a limit on people.
    "PUBLIC_FORM_PER_MINUTE": (lambda name, raw: _int(name, raw, 1), "120"),
    # Seconds a public form must have been on screen before it is sent (0 turns the check off).
    "FORM_MIN_SECONDS": (_int, "2"),
    # Without REDIS_URL, each process keeps at most this many rate-limit counters in memory.
    "RATELIMIT_MEMORY_KEYS": (_int, "100000"),
    # A process re-reads a petition's count, state and latest signers for its public page at
    # most once in this many seconds; changes it makes itself show at once.
    "PETITION_PAGE_SECONDS": (_float, "2"),
    # JSON API (campaign/api): calls per minute per key; the largest request body, in KiB.
    "API_RATE_PER_MINUTE": (lambda name, raw: _int(name, raw, 1), "120"),
    "API_MAX_BODY_KB": (lambda name, raw: _int(name, raw, 1), "64"),
    # Webhooks: seconds to wait for a receiver; whether loopback and private addresses may receive.
    "API_WEBHOOK_TIMEOUT": (_float, "5"),
    "API_WEBHOOK_ALLOW_PRIVATE": (_bool, "false"),
}


def _owner_only(path: Path, mode: int) -> None:
    """Narrow `path`'s mode to `mode` when we own it (a folder made earlier may be 0755)."""
    try:
        if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except OSError:
        pass  # not ours to change: the operator decides


TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def _catalogue_dirs(extra: str) -> list[Path]:
    """The shipped catalogues, then `EXTRA_TRANSLATIONS` (a directory laid out as translations/,
    for a language a group adds without touching the code)."""
    dirs = [TRANSLATIONS]
    if extra:
        path = Path(extra)
        if not path.is_dir():
            raise ConfigError(f"EXTRA_TRANSLATIONS must be a directory of catalogues, not {extra!r}")
        dirs.append(path)
    return dirs


def _languages(raw: str, dirs: list[Path]) -> list[str]:
    """`LANGUAGES`: locale codes in order of preference, each with a catalogue in `dirs`."""
    codes = [part.strip() for part in raw.split(",") if part.strip()]
    known = sorted({p.name for d in dirs for p in d.iterdir() if (p / "LC_MESSAGES" / "messages.po").exists()})
    unknown = [code for code in codes if code not in known]
    if not codes or unknown or len(set(codes)) != len(codes):
        raise ConfigError(f"LANGUAGES must list locale codes from {', '.join(known)}, not {raw!r}")
    return codes


def load(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the app's settings from the environment, then apply `overrides` (tests use them)."""
    env = os.environ
    instance = Path(instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(instance, 0o700)  # it holds the SQLite database, the secret key and dev mails
    overrides = dict(overrides or {})

    cfg: dict[str, Any] = {}
    for name, (parse, default) in _SETTINGS.items():
        cfg[name] = parse(name, env.get(name, default))

    raw_db = env.get("DATABASE_URL", f"sqlite:///{instance / 'campaign.sqlite3'}")
    cfg["SQLALCHEMY_DATABASE_URI"] = database_uri(overrides.pop("DATABASE_URL", raw_db))
    cfg["SECRET_KEY"] = overrides.pop("SECRET_KEY", None) or env.get("SECRET_KEY") or _secret_key(instance)
    if len(cfg["SECRET_KEY"]) < 16:
        raise ConfigError("SECRET_KEY must be at least 16 characters long")

    base_url = env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"BASE_URL must be an http:// or https:// address, not {base_url!r}")
    cfg["BASE_URL"] = base_url

    cfg["MAIL_SERVER"] = env.get("MAIL_SERVER", "")
    cfg["MAIL_USERNAME"] = env.get("MAIL_USERNAME") or None
    cfg["MAIL_PASSWORD"] = env.get("MAIL_PASSWORD") or None
    cfg["MAIL_DEFAULT_SENDER"] = env.get("MAIL_DEFAULT_SENDER", f"campaign@{parts.hostname}")
    if cfg["MAIL_USE_TLS"] and cfg["MAIL_USE_SSL"]:
        raise ConfigError("set MAIL_USE_TLS or MAIL_USE_SSL, not both")
    cfg["REDIS_URL"] = env.get("REDIS_URL", "")
    if cfg["REDIS_URL"] and not cfg["REDIS_URL"].startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://")
    cfg["ORG_NAME"] = env.get("ORG_NAME", "Maskpark Watch")
    catalogues = _catalogue_dirs(env.get("EXTRA_TRANSLATIONS", ""))
    cfg["LANGUAGES"] = _languages(env.get("LANGUAGES", "zh_Hans,en"), catalogues)
    # The organisation's time zone: schedules and event times are typed and shown in it.
    cfg["ORG_TIMEZONE"] = env.get("ORG_TIMEZONE", "Asia/Shanghai")
    try:
        ZoneInfo(cfg["ORG_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        zone = cfg["ORG_TIMEZONE"]
        raise ConfigError(f"ORG_TIMEZONE must be an IANA time zone such as Asia/Shanghai, not {zone!r}") from None
    # Help pages: where the quick-exit link goes, and crisis contacts, one "name: how to reach" per ";".
    cfg["QUICK_EXIT_URL"] = env.get("QUICK_EXIT_URL", "https://www.baidu.com/")
    if not cfg["QUICK_EXIT_URL"].startswith(("https://", "http://", "/")):
        raise ConfigError("QUICK_EXIT_URL must be an http(s) address or a path on this site")
    cfg["CRISIS_CONTACTS"] = [part.strip() for part in env.get("CRISIS_CONTACTS", "").split(";") if part.strip()]
    cfg["REPORTS_WEEKLY_SUMMARY"] = _bool("REPORTS_WEEKLY_SUMMARY", env.get("REPORTS_WEEKLY_SUMMARY", "false"))
    cfg["NEWSLETTER_UNSUBSCRIBE_MAILTO"] = env.get("NEWSLETTER_UNSUBSCRIBE_MAILTO", "")
    # DKIM signing of newsletter mail: all three set, or none.
    for name in ("DKIM_PRIVATE_KEY_PATH", "DKIM_SELECTOR", "DKIM_DOMAIN"):
        cfg[name] = env.get(name, "")
    dkim = [cfg[n] for n in ("DKIM_PRIVATE_KEY_PATH", "DKIM_SELECTOR", "DKIM_DOMAIN")]
    if any(dkim) and not all(dkim):
        raise ConfigError("set DKIM_PRIVATE_KEY_PATH, DKIM_SELECTOR and DKIM_DOMAIN together")

    https = parts.scheme == "https"
    cfg.update(
        # A pooled PostgreSQL connection can die with a server restart: test it before use. A
        # SQLite file cannot, and the test was a statement on every checkout of the signing path.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": not cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")},
        PREFERRED_URL_SCHEME=parts.scheme,
        MAX_CONTENT_LENGTH=cfg["MAX_UPLOAD_MB"] * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        # Under HTTPS the __Host- prefix makes browsers refuse the cookie from another subdomain
        # or over plain HTTP (it needs Secure, Path=/ and no Domain, which is what Flask sends).
        SESSION_COOKIE_NAME="__Host-session" if https else "session",
        REMEMBER_COOKIE_NAME="__Host-remember_token" if https else "remember_token",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
        SESSION_REFRESH_EACH_REQUEST=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=https,
        HSTS=https,
        MAIL_OUTBOX_DIR=str(instance / "mail"),
        MAIL_SUPPRESS_SEND=not cfg["MAIL_SERVER"],
        RATELIMIT_STORAGE_URI=cfg["REDIS_URL"] or "bounded-memory://",
        RATELIMIT_STORAGE_OPTIONS={} if cfg["REDIS_URL"] else {"max_keys": cfg["RATELIMIT_MEMORY_KEYS"]},
        RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_ENABLED=True,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session, which expires by itself
        BABEL_DEFAULT_LOCALE=cfg["LANGUAGES"][0],
        BABEL_DEFAULT_TIMEZONE=cfg["ORG_TIMEZONE"],
        BABEL_TRANSLATION_DIRECTORIES=";".join(str(d) for d in catalogues),
    )
    cfg.update(overrides)
    return cfg
