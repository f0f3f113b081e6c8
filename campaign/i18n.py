"""Language choice: ?lang=, then the cookie it sets, then Accept-Language, then Chinese."""
from __future__ import annotations

from flask import Flask, Response, has_request_context, request

from campaign.extensions import babel

LANGUAGES = {"zh": "zh_Hans", "en": "en"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
COOKIE = "lang"


def select_locale() -> str:
    if not has_request_context():
        return "en"  # command line and worker; mail is rendered with force_locale instead
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
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
    choice = request.args.get("lang")
    if choice in LANGUAGES and request.cookies.get(COOKIE) != choice:
        response.set_cookie(COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(remember_choice)
