"""The public petition page, rendered once per petition, edit, language and link, then reused.

When a petition takes off, most requests are people opening and refreshing its page. Rendering
it (templates, form widgets) cost about twelve bare requests (bench/page.py). So each process
keeps the rendered page with markers where the per-request parts go, and a request fills in:

- the count and the progress bar, from the petition's row (`services.page_state`);
- the visitor's CSRF token (Flask-WTF's signed form of the token kept in their session);
- the latest signers, a small rendered fragment.

The row and the fragment are re-read at most once per PETITION_PAGE_SECONDS per process (so a
count changed by another process shows within that time), and at once in the process where a
change commits (`services.petition_changed`: an edit, a confirmation, a hidden signature...).

A page is cached only for visitors who are not signed in, have no flashed message waiting and
whose query string holds nothing but a known `lang` and `src`; everyone else gets the page
rendered in full. Cached pages are keyed by the petition's id, last edit (posting an update or
answer counts as one), goal, last milestone passed, open state, locale code (zh_Hans and zh_Hant
readers each get their own page) and query string: an edit changes the key, so the new text shows
at once everywhere.

Once a process has a page, its row and its signers, `RushPath` (WSGI middleware, installed by
the petitions feature's setup) answers an anonymous visitor's GET of the page or its thanks page
from the environ alone, before Flask builds a request context, opens the session or runs a hook:
the same bytes and headers, the cookie session Flask would write and Flask-WTF's token. Anything
it is not sure of goes to Flask. bench/page.py measured the page through Flask at 0.37 of a bare
Flask route served by the same gunicorn, and 0.7-0.9 this way.

Every answer carries an `ETag` made of the page's content and the visitor's session CSRF token
(which Flask-WTF keeps for the whole session, WTF_CSRF_TIME_LIMIT being None), with
`Cache-Control: private, no-cache`: a browser revalidating an unchanged page gets 304 and keeps
a token that is still valid; a shared cache never keeps a page that carries someone's token.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Response, abort, current_app, g, render_template, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from werkzeug.http import dump_cookie, parse_cookie, parse_etags

from campaign import i18n
from campaign.petitions import life
from campaign.petitions import services as petitions
from campaign.petitions.forms import SignForm
from campaign.petitions.models import Petition

SHELLS = 64  # rendered pages kept per process (petitions x languages x links)
TOKENS = 10_000  # signed CSRF tokens kept per process
_MARK = "\ue000" + secrets.token_hex(6)  # private-use character + a secret: no petition text forges it
_PARTS = re.compile(re.escape(_MARK) + r"(\w+)\ue001")
FIELDS = ("count_text", "count_value", "percent", "csrf", "signers")


def _mark(name: str) -> Markup:
    # Our own placeholder (a field name and a private-use mark), never visitor text.
    return Markup(f"{_MARK}{name}\ue001")  # nosec B704  # noqa: S704


def _digest(*parts: object) -> str:
    return hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Shell:
    """A rendered page cut at its markers: literal, name, literal, name, ..., literal."""

    parts: tuple[str, ...]
    digest: str

    @classmethod
    def cut(cls, html: str) -> Shell:
        return cls(tuple(_PARTS.split(html)), _digest(html))

    def fill(self, values: dict[str, str]) -> str:
        parts = list(self.parts)
        for index in range(1, len(parts), 2):
            parts[index] = values[parts[index]]
        return "".join(parts)


@dataclass
class Signers:
    html: str
    digest: str
    read_at: float


class PageCache:
    """One app's rendered petition pages, petition rows and signer lists (per process)."""

    def __init__(self) -> None:
        self.shells: OrderedDict[Hashable, Shell] = OrderedDict()
        self.signers: dict[tuple[int, str], Signers] = {}
        self.states: dict[str, tuple[float, petitions.PageState]] = {}  # slug -> (read at, row)
        # raw session token -> its signed form: signing is deterministic enough to reuse, since
        # tokens do not expire (WTF_CSRF_TIME_LIMIT None) and the raw token is what is checked.
        self.signed: OrderedDict[str, str] = OrderedDict()
        self.serializer: tuple[Any, URLSafeTimedSerializer] | None = None

    def shell(self, key: Hashable) -> Shell | None:
        found = self.shells.get(key)
        if found is not None:
            self.shells.move_to_end(key)
        return found

    def keep(self, key: Hashable, shell: Shell) -> None:
        self.shells[key] = shell
        self.shells.move_to_end(key)
        while len(self.shells) > SHELLS:
            self.shells.popitem(last=False)

    def forget(self, petition_id: int | None) -> None:
        """Drop what is known of a petition (every petition when None); its rendering stays keyed."""
        self.states.clear()  # small, and a renamed petition's old address must go too
        if petition_id is None:
            self.signers.clear()
        else:
            for key in [k for k in self.signers if k[0] == petition_id]:
                del self.signers[key]

    def state(self, slug: str, now: float, max_age: float) -> petitions.PageState | None:
        known = self.states.get(slug)
        if known is not None and now - known[0] < max_age:
            return known[1]
        found = petitions.page_state(slug)
        if found is None:
            self.states.pop(slug, None)  # unknown addresses are not kept: any can be asked for
            return None
        if len(self.states) >= SHELLS:
            self.states.clear()
        self.states[slug] = (now, found)
        return found

    def token(self) -> str:
        """The visitor's signed CSRF token, signed once per process for each session token.

        The same token as Flask-WTF's `generate_csrf` (a random raw token kept in the session,
        signed with WTF_CSRF_SECRET_KEY and the salt "wtf-csrf-token"), which Flask-WTF checks
        on the POST; only the serializer is built once instead of on every request.
        """
        field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        raw = session.get(field)
        if not isinstance(raw, str) or not raw:
            # Flask-WTF's raw token, made as it makes it (a random value, not a hash of a secret).
            raw = hashlib.sha1(os.urandom(64), usedforsecurity=False).hexdigest()
            session[field] = raw
        signed = self.signed_for(raw, current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key)
        setattr(g, field, signed)  # where generate_csrf looks first: a later call gets the same
        return signed

    def signed_for(self, raw: str, secret: Any) -> str:
        signed = self.signed.get(raw)
        if signed is None:
            signed = str(self._csrf_serializer(secret).dumps(raw))
            self.signed[raw] = signed
            if len(self.signed) > TOKENS:
                self.signed.popitem(last=False)
        return signed

    def _csrf_serializer(self, secret: Any) -> URLSafeTimedSerializer:
        kept = self.serializer
        if kept is None or kept[0] != secret:
            kept = (secret, URLSafeTimedSerializer(secret, salt="wtf-csrf-token"))
            self.serializer = kept
        return kept[1]


def _cache() -> PageCache:
    found = current_app.extensions.get("petition_pages")
    if found is None:
        found = _install(current_app._get_current_object())  # type: ignore[attr-defined]
    return found


def _install(app: Flask) -> PageCache:
    cache = PageCache()

    def forget(_sender: int | None, **_kw: Any) -> None:
        cache.forget(_sender)

    # blinker holds receivers weakly: the app keeps this one alive as long as its cache.
    app.extensions["petition_pages"] = cache
    app.extensions["petition_pages_receiver"] = forget
    petitions.petition_changed.connect(forget)
    return cache


def cacheable(allowed: dict[str, Collection[str]]) -> bool:
    """May this request get a shared rendering? Not signed in, nothing flashed, and a query
    string holding only `lang` and the names in `allowed`, each with one of its known values."""
    # Flask-Login can only find a user through `_user_id` in the session or its remember cookie;
    # without either the visitor is anonymous, and asking current_user (which loads and may
    # rewrite the session) is not needed. With either, the page is rendered for them.
    if "_flashes" in session or "_user_id" in session:
        return False
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    for name, value in request.args.items(multi=True):
        if name == "lang" and i18n.languages().by_any(value) is not None:
            continue
        if value in allowed.get(name, ()):
            continue
        return False
    return True


def progress_percent(count: int, goal: int) -> int:
    return min(100, count * 100 // goal) if goal else 100


def signers_html(petition_id: int, lang: str) -> str:
    return render_template("petitions/_signers.html", signers=petitions.latest_public_by_id(petition_id), lang=lang)


def context(petition: Petition, form: SignForm, lang: str, values: dict[str, Any]) -> dict[str, Any]:
    """What petitions/show.html needs; `values` holds the per-request parts (or their markers)."""
    return {"petition": petition, "form": form, "lang": lang, "updates": life.updates_of(petition.id), **values}


def render_full(petition: Petition, form: SignForm, lang: str) -> str:
    """The page rendered from scratch (signed-in visitors, a form with errors)."""
    count = petition.signature_count
    return render_template("petitions/show.html", **context(petition, form, lang, {
        "count_text": f"{count:,}", "count_value": count, "percent": petition.progress_percent,
        # The signers list comes from an autoescaping template: already safe HTML.
        "csrf": generate_csrf(), "signers": Markup(signers_html(petition.id, lang)),  # nosec B704  # noqa: S704
    }))


def _state_or_404(cache: PageCache, slug: str, now: float) -> petitions.PageState:
    state = cache.state(slug, now, current_app.config["PETITION_PAGE_SECONDS"])
    if state is None or state.status == "draft":
        abort(404)
    return state


def _shell(cache: PageCache, key: Hashable, slug: str, render: Callable[[Petition], str]) -> Shell:
    shell = cache.shell(key)
    if shell is None:
        petition = petitions.find_by_slug(slug)
        if petition is None:
            abort(404)
        shell = Shell.cut(render(petition))
        cache.keep(key, shell)
    return shell


# Revalidated on each view; never kept by a shared cache (the sign form holds a visitor's token).
_CACHE_HEADERS = (("Cache-Control", "private, no-cache"), ("Vary", "Cookie, Accept-Language"))


def _answer(shell: Shell, etag: str, values: Callable[[], dict[str, str]]) -> Response:
    # The headers are written out once here rather than through Response's parsed properties.
    headers = [("ETag", f'"{etag}"'), *_CACHE_HEADERS]
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    return Response(shell.fill(values()), mimetype="text/html", headers=headers)


def markers() -> dict[str, Markup]:
    """The per-request parts as markers, for rendering a page to keep."""
    return {name: _mark(name) for name in FIELDS}


def show_key(state: petitions.PageState, locale: str, args: tuple[tuple[str, str], ...]) -> tuple[Any, ...]:
    """What a kept petition page depends on: the one key both Flask and the rush path use."""
    return ("show", state.id, state.updated_at, state.goal, state.milestone_reached, state.is_open, locale, args)


def thanks_key(state: petitions.PageState, locale: str, args: tuple[tuple[str, str], ...]) -> tuple[Any, ...]:
    return ("thanks", state.id, state.updated_at, locale, args)


def show(slug: str, src: str) -> Response:
    """The petition page for a visitor who may get the shared rendering (see `cacheable`)."""
    cache = _cache()
    now = time.monotonic()
    state = _state_or_404(cache, slug, now)
    locale = i18n.locale_code(get_locale())  # the content's language too: zh_Hant readers get their own page
    is_open = state.is_open
    key = show_key(state, locale, tuple(sorted(request.args.items())))
    shell = _shell(cache, key, slug, lambda petition: render_template(
        "petitions/show.html", **context(petition, SignForm(src=src), locale, markers())))

    signers = cache.signers.get((state.id, locale))  # by locale: zh_Hans and zh_Hant differ
    if signers is None or now - signers.read_at >= current_app.config["PETITION_PAGE_SECONDS"]:
        fragment = signers_html(state.id, locale)
        signers = Signers(fragment, _digest(fragment), now)
        cache.signers[(state.id, locale)] = signers

    count = state.signature_count
    token = cache.token() if is_open else ""
    raw = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), "") if is_open else ""
    return _answer(shell, _digest(shell.digest, signers.digest, count, raw), lambda: {
        "count_text": f"{count:,}", "count_value": str(count),
        "percent": str(progress_percent(count, state.goal)), "csrf": token, "signers": signers.html,
    })


def thanks(slug: str, render: Callable[[Petition, dict[str, Markup]], str]) -> Response:
    """The thanks-and-share page, which carries no token: the same for every visitor but the count."""
    cache = _cache()
    state = _state_or_404(cache, slug, time.monotonic())
    key = thanks_key(state, i18n.locale_code(get_locale()), tuple(sorted(request.args.items())))
    shell = _shell(cache, key, slug, lambda petition: render(petition, markers()))
    count = state.signature_count
    return _answer(shell, _digest(shell.digest, count), lambda: {"count_text": f"{count:,}"})


# --- the rush path: a kept page answered before Flask's request machinery -----------------------

_RUSH = re.compile(r"/petitions/([a-z0-9]+(?:-[a-z0-9]+)*)(/thanks)?")
_STATUS = {200: "200 OK", 304: "304 NOT MODIFIED"}
Answer = tuple[str, list[tuple[str, str]], bytes]


class RushPath:
    """WSGI middleware: the petition page and its thanks page, answered from the kept renderings.

    Even with the page kept, a request through Flask paid for a request context, the cookie
    session, nine hooks and a Response object: several times the bare route (bench/page.py). This
    answers the common case, an anonymous visitor's GET of a page this process has already
    rendered and whose row and signers it read less than PETITION_PAGE_SECONDS ago, from the
    WSGI environ alone, with what the Flask path gives: the same bytes, ETag and 304, the security
    headers (security.py), the cookie session Flask would write (its own serializer and cookie
    settings) and the CSRF token Flask-WTF checks on the POST.

    Anything else goes to Flask unchanged: other addresses and methods, a query string with
    anything but one known `lang` and the page's own names, a `lang` that would set the language
    cookie, a remember cookie, a session that holds more than a CSRF token (signed in, a flashed
    message) or fails its signature, and any page, row or signer list not kept or too old. Flask
    then renders or reads it, and keeps it for the next visitors.
    """

    def __init__(self, app: Flask, inner: Any, allowed: dict[str, dict[str, Collection[str]]]) -> None:
        self.app = app
        self.inner = inner
        self.allowed = allowed  # "show" / "thanks" -> query names and their known values
        self.languages = i18n.languages(app)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        method = environ.get("REQUEST_METHOD")
        if method == "GET" or method == "HEAD":
            found = _RUSH.fullmatch(environ.get("PATH_INFO", ""))
            if found is not None:
                answer = self.answer(environ, found.group(1), "thanks" if found.group(2) else "show")
                if answer is not None:
                    status, headers, body = answer
                    start_response(status, headers)
                    return [] if method == "HEAD" else [body]
        return self.inner(environ, start_response)

    def _args(self, query: str, page: str) -> tuple[tuple[str, str], ...] | None:
        if not query:
            return ()
        allowed = self.allowed[page]
        seen: dict[str, str] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name in seen:
                return None
            if not (name == "lang" and self.languages.by_any(value)) and value not in allowed.get(name, ()):
                return None
            seen[name] = value
        return tuple(sorted(seen.items()))

    def answer(self, environ: dict[str, Any], slug: str, page: str) -> Answer | None:
        app = self.app
        config = app.config
        cache: PageCache | None = app.extensions.get("petition_pages")
        args = self._args(environ.get("QUERY_STRING", ""), page)
        if cache is None or args is None:
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        if config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return None
        lang_arg = dict(args).get("lang")
        lang_cookie = cookies.get(i18n.COOKIE)
        if lang_arg is not None and lang_arg != lang_cookie:
            return None  # Flask sets the language cookie (i18n.remember_choice)
        field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        sessions = app.session_interface
        data: dict[str, Any] = {}
        stored = cookies.get(sessions.get_cookie_name(app))
        if stored:
            serializer = sessions.get_signing_serializer(app)  # type: ignore[attr-defined]
            try:
                data = serializer.loads(stored, max_age=int(app.permanent_session_lifetime.total_seconds()))
            except BadSignature:
                return None
            if not isinstance(data, dict) or any(key != field for key in data):
                return None

        now = time.monotonic()
        known = cache.states.get(slug)
        if known is None or now - known[0] >= config["PETITION_PAGE_SECONDS"]:
            return None
        state = known[1]
        if state.status == "draft":
            return None
        locale = i18n.choose_locale(lang_arg, lang_cookie, environ.get("HTTP_ACCEPT_LANGUAGE", ""), self.languages)
        count = state.signature_count
        set_cookie = None
        if page == "thanks":
            shell = cache.shells.get(thanks_key(state, locale, args))
            if shell is None:
                return None
            etag = _digest(shell.digest, count)
            values = {"count_text": f"{count:,}"}
        else:
            is_open = state.is_open
            shell = cache.shells.get(show_key(state, locale, args))
            signers = cache.signers.get((state.id, locale))
            if shell is None or signers is None or now - signers.read_at >= config["PETITION_PAGE_SECONDS"]:
                return None
            raw = data.get(field, "") if is_open else ""
            # No token while the petition is closed (no form to protect).
            token = ""  # nosec B105  # noqa: S105
            if is_open:
                if not isinstance(raw, str) or not raw:
                    raw = hashlib.sha1(os.urandom(64), usedforsecurity=False).hexdigest()  # as Flask-WTF makes it
                    set_cookie = self._session_cookie({field: raw})
                token = cache.signed_for(raw, config.get("WTF_CSRF_SECRET_KEY") or app.secret_key)
            etag = _digest(shell.digest, signers.digest, count, raw)
            values = {
                "count_text": f"{count:,}", "count_value": str(count),
                "percent": str(progress_percent(count, state.goal)), "csrf": token, "signers": signers.html,
            }
        return self._respond(environ, shell, etag, values, set_cookie)

    def _session_cookie(self, data: dict[str, Any]) -> str:
        """The Set-Cookie value Flask's session interface writes for a new session holding `data`."""
        app = self.app
        sessions = app.session_interface
        value = sessions.get_signing_serializer(app).dumps(data)  # type: ignore[attr-defined]
        return dump_cookie(
            sessions.get_cookie_name(app),
            value,
            domain=sessions.get_cookie_domain(app),
            path=sessions.get_cookie_path(app),
            secure=sessions.get_cookie_secure(app),
            httponly=sessions.get_cookie_httponly(app),
            samesite=sessions.get_cookie_samesite(app),
            partitioned=sessions.get_cookie_partitioned(app),
            max_size=app.config["MAX_COOKIE_SIZE"],
        )

    def _respond(
        self, environ: dict[str, Any], shell: Shell, etag: str, values: dict[str, str], set_cookie: str | None
    ) -> Answer:
        # In the order the Flask path gives them (`_answer`, then security.add_headers, then the session).
        tag = [("ETag", f'"{etag}"'), *_CACHE_HEADERS]
        after = [(name, value) for _lower, name, value in self.app.extensions["security_headers"]]
        if set_cookie is not None:
            after.append(("Set-Cookie", set_cookie))
        match = environ.get("HTTP_IF_NONE_MATCH")
        if match and parse_etags(match).contains(etag):
            return _STATUS[304], [*tag, *after], b""
        body = shell.fill(values).encode()
        head = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        return _STATUS[200], [*tag, *head, *after], body


def serve_rush(app: Flask, show_args: dict[str, Collection[str]], thanks_args: dict[str, Collection[str]]) -> None:
    """Put the rush path in front of the app (the petitions feature's setup)."""
    _install(app)
    app.wsgi_app = RushPath(app, app.wsgi_app, {"show": show_args, "thanks": thanks_args})  # type: ignore[method-assign]
