"""Language choice: ?lang=, then the cookie it sets, then Accept-Language, then the first language.

The languages are configuration (`LANGUAGES`, locale codes such as `zh_Hans,zh_Hant,en`): each
needs only its catalogue under translations/. Everything a language needs beyond that (its tag
in URLs and `lang=""`, its own name, which browsers' Accept-Language picks it, which content it
falls back to) is derived here from Babel's locale data, so a fourth language takes no code.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError, support
from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header
from wtforms.i18n import messages_path

from campaign.extensions import babel

COOKIE = "lang"
DEFAULT_LANGUAGES = ("zh_Hans", "en")
_EXTENSION_KEY = "campaign.languages"


@dataclass(frozen=True)
class Language:
    code: str  # the locale code Babel and every stored `locale` column use: "zh_Hant"
    tag: str  # the BCP 47 tag for lang="" and ?lang=: "zh-Hant"
    name: str  # its own name, written in itself: "繁體中文"
    locale: Locale


def _language(code: str) -> Language:
    locale = Locale.parse(code)
    name = locale.get_display_name(locale) or code
    if locale.script and locale.language == "zh":
        # Babel calls both scripts "中文 (简体)" / "中文 (繁體)"; readers know them as below.
        name = {"Hans": "简体中文", "Hant": "繁體中文"}.get(locale.script, name)
    return Language(code=code, tag=code.replace("_", "-"), name=name, locale=locale)


@dataclass(frozen=True)
class Languages:
    """The configured languages, in order of preference, with lookups made once per app."""

    ordered: tuple[Language, ...]

    @property
    def default(self) -> Language:
        return self.ordered[0]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.ordered)

    def by_any(self, value: object) -> Language | None:
        """A configured language named by a code, a tag or an older short form ("zh")."""
        return _lookup(self.ordered, str(value or "").strip())

    def best_for(self, header: str) -> Language:
        """The configured language that fits an Accept-Language header best."""
        if len(header) > 256:  # a visitor can send anything: only short headers are remembered
            return _best_for.__wrapped__(self.ordered, header)
        return _best_for(self.ordered, header)


@lru_cache(maxsize=256)
def _lookup(ordered: tuple[Language, ...], value: str) -> Language | None:
    if not value or len(value) > 35:
        return None
    for lang in ordered:
        if value in (lang.code, lang.tag):
            return lang
    try:
        wanted = Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    return _closest(ordered, wanted)


def _closest(ordered: Sequence[Language], wanted: Locale) -> Language | None:
    """Same language and script first (zh-TW is zh_Hant_TW to Babel), then the same language."""
    same_language = [lang for lang in ordered if lang.locale.language == wanted.language]
    if not same_language:
        return None
    # "zh" alone (no script, no territory) reads as the script its territory-less default uses.
    script = wanted.script or Locale.parse(f"{wanted.language}").script
    for lang in same_language:
        if lang.locale.script and lang.locale.script == script:
            return lang
    for lang in same_language:
        if not lang.locale.script:
            return lang
    return same_language[0]


@lru_cache(maxsize=1024)
def _best_for(ordered: tuple[Language, ...], header: str) -> Language:
    # Browsers send a handful of distinct headers; each is parsed once per process.
    for tag, _quality in parse_accept_header(header, LanguageAccept):
        found = _lookup(ordered, tag)
        if found is not None:
            return found
    return ordered[0]


def configured(codes: Sequence[str]) -> Languages:
    return Languages(tuple(_language(code) for code in codes))


def languages(app: Flask | None = None) -> Languages:
    """The app's languages (the defaults outside an app, e.g. for a script)."""
    if app is None and has_app_context():
        app = current_app
    found = app.extensions.get(_EXTENSION_KEY) if app is not None else None
    return found if found is not None else configured(DEFAULT_LANGUAGES)


class _LanguageLabels(Mapping[str, str]):
    """Each configured language's name in the reader's language ("Chinese (Traditional)"), for
    labels of stored codes in lists, reports and exports."""

    def __getitem__(self, code: str) -> str:
        found = languages().by_any(code)
        if found is None:
            raise KeyError(code)
        reader = get_locale() if has_request_context() else None
        return found.locale.get_display_name(reader or found.locale) or found.code

    def __iter__(self) -> Iterator[str]:
        return iter(languages().codes)

    def __len__(self) -> int:
        return len(languages().ordered)


LANGUAGE_LABELS: Mapping[str, str] = _LanguageLabels()


# The language switch on a page answering a POST is a button of this name: the page's own form is
# sent again with it, and the form re-renders in that language without acting (see forms.py).
SWITCH_FIELD = "_lang"


def switching() -> bool:
    """True when this request is the language switch of a posted page, not a submission."""
    if not has_request_context() or request.method != "POST":
        return False
    try:
        return languages().by_any(request.form.get(SWITCH_FIELD)) is not None
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
    return choose_locale(_asked(), request.cookies.get(COOKIE),
                         request.headers.get("Accept-Language", ""))


def choose_locale(arg: str | None, cookie: str | None, accept_language: str, langs: Languages | None = None) -> str:
    """The locale for a ?lang= value, the language cookie and the Accept-Language header (the
    petition page's rush path asks outside Flask, passing its app's languages)."""
    langs = langs or languages()
    for candidate in (arg, cookie):
        found = langs.by_any(candidate)
        if found is not None:
            return found.code
    return langs.best_for(accept_language).code


def locale_code(value: object) -> str:
    """The one code every feature stores for a language: a configured locale code ('zh_Hant')."""
    langs = languages()
    found = langs.by_any(value)
    return (found or langs.default).code


def tag(locale: object) -> str:
    """'zh_Hant' -> 'zh-Hant', for lang="" attributes and ?lang= links."""
    return str(locale_code(locale)).replace("_", "-")


def remember_choice(response: Response) -> Response:
    found = languages().by_any(_asked())
    if found is not None and request.cookies.get(COOKIE) != found.tag:
        response.set_cookie(COOKIE, found.tag, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
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


def _selected_locale() -> Locale:
    # flask-babel parses what the selector returns on each request; a parsed Locale is kept as is.
    code = select_locale()
    found = languages().by_any(code)
    return found.locale if found is not None else Locale.parse(code)


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION_KEY] = configured(app.config.get("LANGUAGES") or DEFAULT_LANGUAGES)
    babel.init_app(app, locale_selector=_selected_locale)
    app.before_request(_wtforms_translations)
    app.after_request(remember_choice)
