"""Language choice: ?lang=, then the cookie it sets, then Accept-Language, then Chinese."""
from __future__ import annotations

from typing import Any

from babel import Locale, support
from flask import Flask, Response, has_request_context, request
from flask_babel import get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from wtforms.i18n import messages_path

from campaign.extensions import babel

LANGUAGES = {"zh": "zh_Hans", "en": "en"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
COOKIE = "lang"


def select_locale() -> str:
    if not has_request_context():
        return "en"  # command line and worker; mail is rendered with force_locale instead
    header = request.headers.get("Accept-Language", "")
    return choose_locale(request.args.get("lang"), request.cookies.get(COOKIE), header)


def choose_locale(arg: str | None, cookie: str | None, accept_language: str) -> str:
    """The locale for a ?lang= value, the language cookie and the Accept-Language header."""
    for candidate in (arg, cookie):
        if candidate in LANGUAGES:
            return LANGUAGES[candidate]
    return _from_header(accept_language)


_HEADER_CHOICES: dict[str, str] = {}  # Accept-Language header -> locale, per process
_HEADER_CHOICES_MAX = 512


def _from_header(header: str) -> str:
    """The locale for an Accept-Language header; the few headers browsers send are parsed once."""
    found = _HEADER_CHOICES.get(header)
    if found is None:
        best = parse_accept_header(header, LanguageAccept).best_match(["zh", "zh-CN", "zh-Hans", "en"], default="zh")
        found = "en" if best.startswith("en") else "zh_Hans"
        if len(header) <= 256:  # a visitor can send anything: keep only short headers, and few
            if len(_HEADER_CHOICES) >= _HEADER_CHOICES_MAX:
                _HEADER_CHOICES.clear()
            _HEADER_CHOICES[header] = found
    return found


def locale_code(value: object) -> str:
    """The one code every feature stores for a language: the interface's own ('zh_Hans', 'en')."""
    return "en" if str(value or "").lower().startswith("en") else "zh_Hans"


def short_code(locale: str) -> str:
    """'zh_Hans' -> 'zh', as used in ?lang= (never stored: see `locale_code`)."""
    return "en" if str(locale).startswith("en") else "zh"


def remember_choice(response: Response) -> Response:
    choice = request.args.get("lang")
    if choice in LANGUAGES and request.cookies.get(COOKIE) != choice:
        response.set_cookie(COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


class _WtformsTranslations:
    """WTForms' own messages ("This field is required."), loaded once per locale per process.

    Flask-WTF loads the wtforms catalogue from disk on each request that needs one of them
    (flask_wtf/i18n.py keeps it on the request only); flask-babel 4 already keeps our own
    catalogues per process (Domain.cache). Flask-WTF looks on the request first, so each
    request is given this object, which picks the catalogue for the request's locale.
    """

    def __init__(self) -> None:
        self._loaded: dict[str, support.NullTranslations] = {}

    def _catalogue(self) -> support.NullTranslations:
        locale = str(get_locale())
        found = self._loaded.get(locale)
        if found is None:
            found = support.Translations.load(messages_path(), [locale], domain="wtforms")
            self._loaded[locale] = found
        return found

    def ugettext(self, string: str) -> str:
        return self._catalogue().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue().ungettext(singular, plural, n)

    gettext = ugettext
    ngettext = ungettext

    def __getattr__(self, name: str) -> Any:
        return getattr(self._catalogue(), name)


_WTFORMS = _WtformsTranslations()


def _wtforms_translations() -> None:
    request.wtforms_translations = _WTFORMS  # type: ignore[attr-defined]


_LOCALES = {code: Locale.parse(code) for code in LANGUAGES.values()}


def _selected_locale() -> Locale:
    # flask-babel parses what the selector returns on each request; a parsed Locale is kept as is.
    return _LOCALES[select_locale()]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=_selected_locale)
    app.before_request(_wtforms_translations)
    app.after_request(remember_choice)
