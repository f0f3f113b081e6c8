"""The JSON API and webhooks. Installed last: it mounts the API resources other features declare
in their manifests (`Feature.api`), so they must be in the registry before its setup runs."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_smorest import Api
from sqlalchemy import func, select

from campaign import errors
from campaign.api import bp, guard, hooks, scopes
from campaign.api import routes as _routes
from campaign.api.demo import seed_api
from campaign.api.models import ApiKey, Delivery, DeliveryStatus, Webhook
from campaign.api.resources import v1
from campaign.api.schemas import ErrorOut
from campaign.auth.models import Role
from campaign.extensions import csrf, db
from campaign.features import Feature, Figure, Job, Lane, StaffCard, registry
from campaign.timeutil import utcnow


class _Api(Api):
    """flask-smorest's Api without its app-wide error handler: campaign/errors.py answers errors,
    in JSON under /api/ and as pages elsewhere."""

    ERROR_SCHEMA = ErrorOut

    def _register_error_handlers(self) -> None:
        return None


def _setup(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Campaign API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    spec: dict[str, Any] = {
        "info": {"description": "Read petitions and counts, add signatures, read people who opted in "
                                "and the newsletter archive. Authenticate with `Authorization: Bearer <key>`."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
    api = _Api(app, spec_kwargs=spec)
    api.register_blueprint(v1)
    csrf.exempt(v1)  # key-authenticated, no cookies: nothing for a forged request to ride on
    for part in registry(app).api:
        if part.blueprint is not None:
            api.register_blueprint(part.blueprint)
            csrf.exempt(part.blueprint)
    app.extensions[_routes.API_EXTENSION] = api
    errors.json_under(app, guard.PREFIX)
    app.wsgi_app = guard.NoCookies(app.wsgi_app)  # type: ignore[method-assign]


def _figures() -> list[Figure]:
    now = utcnow()
    live = db.session.scalar(select(func.count(ApiKey.id)).where(
        ApiKey.revoked_at.is_(None), (ApiKey.expires_at.is_(None)) | (ApiKey.expires_at > now))) or 0
    webhooks = db.session.scalar(select(func.count(Webhook.id))) or 0
    failed = db.session.scalar(select(func.count(Delivery.id)).where(
        Delivery.status == DeliveryStatus.FAILED.value)) or 0
    return [Figure(_l("Live API keys"), live, "api.key_list"),
            Figure(_l("Webhooks"), webhooks, "api.webhook_list"),
            Figure(_l("Failed webhook deliveries"), failed, "api.webhook_list", todo=bool(failed))]


def _purge() -> int:
    return hooks.purge_old()


feature = Feature(
    name="api",
    blueprints=(bp,),
    staff_cards=(StaffCard("api.key_list", _l("API and webhooks"), (Role.ADMIN,), _figures),),
    access_checkers=(("api", guard.check),),
    jobs=(
        Job("api.fan_out", hooks.fan_out, every=1.0, lane=Lane.HOOKS),
        Job("api.deliver", hooks.deliver_due, every=5.0, lane=Lane.HOOKS),
        Job("api.purge", _purge, every=86400, every_period=True),
    ),
    setup=_setup,
    demo=seed_api,
    api=scopes.OWN,
)
