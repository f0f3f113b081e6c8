"""Who may reach which view. Every view declares it; one without a declaration is refused.

Declarations are read by a single before_request hook, so a new blueprint cannot forget a check:
the url_map test in tests/integration/test_access.py walks every endpoint.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, Response, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from campaign.auth.models import Role
from campaign.extensions import login_manager
from campaign.features import registry

F = TypeVar("F", bound=Callable[..., object])

# Endpoints Flask itself registers.
_BUILTIN_PUBLIC = frozenset({"static"})


@dataclass(frozen=True)
class Access:
    kind: str  # "public", "staff" or a feature's own kind, such as "volunteer"
    roles: frozenset[Role] = frozenset()
    hide: bool = False  # answer 404 instead of 403, so the route's existence is not revealed
    personal: bool = False  # a public page that shows personal data or a secret link's content
    scope: str = ""  # for kind "api": the scope an API key must hold (campaign/api checks it)

    @property
    def no_store(self) -> bool:
        """Whether no cache (the browser's, a proxy's) may keep the answer."""
        return self.kind != "public" or self.personal


def public(view: F) -> F:
    """Anyone may open this view."""
    view._access = Access("public")  # type: ignore[attr-defined]
    return view


def personal(view: F) -> F:
    """Anyone may open this view, and its answer is never cached: it shows what a mailed link or a
    receipt code opens, a person's own data, or a form about the visitor's own situation."""
    view._access = Access("public", personal=True)  # type: ignore[attr-defined]
    return view


def staff(*roles: Role, hide: bool = False) -> Callable[[F], F]:
    """Signed-in staff holding any of `roles` (any staff member when none are named)."""

    def mark(view: F) -> F:
        view._access = Access("staff", frozenset(roles), hide)  # type: ignore[attr-defined]
        return view

    return mark


def api(scope: str) -> Callable[[F], F]:
    """A JSON API view, reached with an API key holding `scope` (checked by the api feature)."""

    def mark(view: F) -> F:
        view._access = Access("api", scope=scope)  # type: ignore[attr-defined]
        return view

    return mark


def declared(view: Callable[..., object]) -> Access | None:
    return getattr(view, "_access", None)


def _check_staff(access: Access) -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        if access.hide:
            abort(404)
        return login_manager.unauthorized()
    if access.roles and not current_user.has_role(*access.roles):
        abort(404 if access.hide else 403)
    return None


def check_request() -> ResponseReturnValue | None:
    """before_request: enforce the view's declaration; refuse views that have none."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in _BUILTIN_PUBLIC:
        return None  # 404/405 are handled by routing
    access = declared(current_app.view_functions[endpoint])
    if access is None:
        abort(403)
    if access.kind == "public":
        return None
    if access.kind == "staff":
        return _check_staff(access)
    # Feature-specific kinds (the volunteer space, for instance) come from the feature manifests.
    checker = registry().access_checkers.get(access.kind)
    if checker is None:
        abort(403)
    return checker(access)


def forbid_caching(response: Response) -> Response:
    """after_request: staff pages, feature spaces (volunteers) and personal public pages get
    `Cache-Control: no-store`, decided by the same declaration that decides who may see them."""
    endpoint = request.endpoint
    view = current_app.view_functions.get(endpoint) if endpoint else None
    access = declared(view) if view is not None else None
    if access is not None and access.no_store:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    app.before_request(check_request)
    app.after_request(forbid_caching)
