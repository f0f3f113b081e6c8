"""The staff menu: on every staff page, the sections the signed-in staff member may open."""
from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from campaign import access
from campaign.features import Registry, registry


def _entries(features: Registry) -> list[tuple[str, object, str]]:
    endpoint = request.endpoint
    if endpoint is None or not current_user.is_authenticated:
        return []
    declared = access.declared(current_app.view_functions[endpoint])
    if declared is None or declared.kind != "staff":
        return []
    entries: list[tuple[str, object]] = [("core.staff_home", _l("Staff home"))]
    entries += [(card.endpoint, card.label) for card in features.staff_cards
                if not card.roles or current_user.has_role(*card.roles)]
    entries.append(("auth.account", _l("My account")))
    if current_user.has_role("admin"):
        entries += [("admin.users", _l("Staff accounts")), ("admin.audit_log", _l("Audit log")),
                    ("admin.mailbox", _l("Development mailbox"))]
    menu: list[tuple[str, object, str]] = []
    for target, label in entries:
        if target not in current_app.view_functions:
            continue  # an app built with some features only
        href = url_for(target)
        if target == endpoint:
            current = "page"
        elif target != "core.staff_home" and request.path.startswith(href + "/"):
            current = "true"  # a page inside this section
        else:
            current = ""
        menu.append((href, label, current))
    return menu


def setup(app: Flask) -> None:
    @app.template_global()
    def staff_menu() -> list[tuple[str, object, str]]:
        """On a staff page, the staff menu: (href, label, aria-current value or "") per entry,
        from the registry's staff cards the viewer's roles allow, plus account and admin links.
        Empty on any other page, so base.html shows the menu on every staff page and only there."""
        return _entries(registry(app))
