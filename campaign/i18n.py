"""Language choice: ?lang=, then the cookie it sets, then Accept-Language, then Chinese."""
from __future__ import annotations

import re
from typing import Any

from babel import Locale, support
from flask import Flask, Response, g, has_request_context, request
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException
from wtforms.i18n import messages_path

from campaign.extensions import babel

LANGUAGES = {"zh": "zh_Hans", "en": "en"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
COOKIE = "lang"
# The language switch on a page answering a POST is a button of this name: the page's own form is
# sent again with it, and the form re-renders in that language without acting (see forms.py).
SWITCH_FIELD = "_lang"


def switching() -> bool:
    """True when this request is the language switch of a posted page, not a submission."""
    if not has_request_context() or request.method != "POST":
        return False
    try:
        return request.form.get(SWITCH_FIELD) in LANGUAGES
    except HTTPException:  # a body too large or cut short: the error page is shown without it
        return False


def _asked() -> str | None:
    if switching():
        return request.form.get(SWITCH_FIELD)
    return request.args.get("lang")


# Secrets are never written back into the page (a re-rendered form does not show them either).
_NOT_REPOSTED = re.compile(r"pass|secret|code|otp|totp", re.IGNORECASE)


def repost_fields() -> list[tuple[str, str]] | None:
    """On a page that shows a form posted in this request (refused, or re-rendered for the language
    switch), the posted fields for the switch to send again, so nothing typed is lost; else None."""
    if not has_request_context() or request.method != "POST" or not g.get("posted_form_shown"):
        return None
    try:
        posted = list(request.form.items(multi=True))
    except HTTPException:
        return None
    return [
        (name, value)
        for name, value in posted
        if name != SWITCH_FIELD and (name == "csrf_token" or not _NOT_REPOSTED.search(name))
    ]


def answers_get() -> bool:
    """Whether the address of this request also shows a page on GET (so a ?lang= link works)."""
    if not has_request_context() or request.method != "POST":
        return True
    rule = request.url_rule
    return rule is not None and "GET" in (rule.methods or ())


def select_locale() -> str:
    if not has_request_context():
        return "en"  # command line and worker; mail is rendered with force_locale instead
    for candidate in (_asked(), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return LANGUAGES[candidate]
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"], default="zh")
    return "en" if best.startswith("en") else "zh_Hans"


def locale_code(value: object) -> str:
    """The one code every feature stores for a language: the interface's own ('zh_Hans', 'en')."""
    return "en" if str(value or "").lower().startswith("en") else "zh_Hans"


def short_code(locale: str) -> str:
    """'zh_Hans' -> 'zh', as used in ?lang= (never stored: see `locale_code`)."""
    return "en" if str(locale).startswith("en") else "zh"


def remember_choice(response: Response) -> Response:
    choice = _asked()
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
