"""Pages: the public list of endpoints and the OpenAPI document; the admins' keys and webhooks."""
from __future__ import annotations

from datetime import datetime, time

from flask import abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign.access import declared, public, staff
from campaign.api import bp, hooks, keys, scopes
from campaign.api.forms import ButtonForm, KeyForm, WebhookForm
from campaign.api.labels import DELIVERY_STATUS_LABELS
from campaign.api.models import Webhook
from campaign.api.schemas import REASONS
from campaign.auth.models import Role
from campaign.extensions import db
from campaign.forms import choice_list
from campaign.labels import add_filters
from campaign.timeutil import from_org

admin_only = staff(Role.ADMIN)
add_filters(bp, delivery_status=DELIVERY_STATUS_LABELS)

API_EXTENSION = "campaign.api"


@bp.route("/api/v1/openapi.json")
@public
def openapi() -> Response:
    return jsonify(current_app.extensions[API_EXTENSION].spec.to_dict())


@bp.route("/api/v1/")
@public
def docs() -> str:
    """The endpoints for people: method, path, the scope each needs and what it allows."""
    labels = {scope.name: scope.label for scope in scopes.all_scopes()}
    endpoints = []
    for rule in current_app.url_map.iter_rules():
        access = declared(current_app.view_functions[rule.endpoint])
        if access is None or access.kind != "api":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            endpoints.append((rule.rule, method, access.scope, labels.get(access.scope, "")))
    endpoints.sort()
    events = [(kind, event.scope, event.label) for kind, event in sorted(scopes.hook_events().items())]
    return render_template("api/docs.html", endpoints=endpoints, events=events, scopes=scopes.all_scopes(),
                           reasons=REASONS)


def _scope_choices() -> list[tuple[str, object]]:
    return [(scope.name, f"{scope.name}: {scope.label}") for scope in scopes.all_scopes()]


@bp.route("/staff/api/keys", methods=["GET", "POST"])
@admin_only
def key_list() -> str:
    form = KeyForm()
    form.scopes.choices = choice_list(_scope_choices())
    if form.validate_on_submit():
        expires = datetime.combine(form.expires_on.data, time.max) if form.expires_on.data else None
        key, token = keys.create(form.name.data or "", form.scopes.data or [],
                                 from_org(expires) if expires else None, current_user)
        # Shown once, on this answer only (staff pages are never cached).
        return render_template("api/key_created.html", key=key, token=token)
    return render_template("api/keys.html", form=form, keys=keys.all_keys(), button_form=ButtonForm())


@bp.route("/staff/api/keys/<int:key_id>/revoke", methods=["POST"])
@admin_only
def revoke_key(key_id: int) -> Response:
    if ButtonForm().validate_on_submit():
        if keys.revoke(key_id, current_user) is None:
            abort(404)
        flash(_("The key is revoked: it stopped working at once."), "info")
    return redirect(url_for("api.key_list"))


@bp.route("/staff/api/webhooks", methods=["GET", "POST"])
@admin_only
def webhook_list() -> str:
    form = WebhookForm()
    form.events.choices = choice_list(hooks.event_choices())
    form.scopes.choices = choice_list(_scope_choices())
    if form.validate_on_submit():
        try:
            hook, secret = hooks.create(form.url.data or "", hooks.known_events(form.events.data or []),
                                        form.scopes.data or [], current_user)
        except hooks.HookError as exc:
            form.url.errors = [*form.url.errors, str(exc)]
        else:
            return render_template("api/webhook_created.html", hook=hook, secret=secret)
    return render_template("api/webhooks.html", form=form, hooks=hooks.all_hooks(),
                           events=dict(hooks.event_choices()))


def _hook_or_404(hook_id: int) -> Webhook:
    hook = db.session.get(Webhook, hook_id)
    if hook is None:
        abort(404)
    return hook


@bp.route("/staff/api/webhooks/<int:hook_id>")
@admin_only
def webhook(hook_id: int) -> str:
    """A webhook's delivery log, newest first, with "send a test" and "delete"."""
    hook = _hook_or_404(hook_id)
    return render_template("api/webhook.html", hook=hook, deliveries=hooks.deliveries(hook.id),
                           button_form=ButtonForm(), events=dict(hooks.event_choices()))


@bp.route("/staff/api/webhooks/<int:hook_id>/test", methods=["POST"])
@admin_only
def test_webhook(hook_id: int) -> Response:
    hook = _hook_or_404(hook_id)
    if ButtonForm().validate_on_submit():
        hooks.send_test(hook.id, current_user)
        flash(_("A test delivery is on its way. Reload this page to see how it went."), "info")
    return redirect(url_for("api.webhook", hook_id=hook_id))


@bp.route("/staff/api/webhooks/<int:hook_id>/delete", methods=["POST"])
@admin_only
def delete_webhook(hook_id: int) -> Response:
    _hook_or_404(hook_id)
    if ButtonForm().validate_on_submit():
        hooks.remove(hook_id, current_user)
        flash(_("The webhook is deleted."), "info")
    return redirect(url_for("api.webhook_list"))
