"""Webhooks: admins register URLs per event kind; the worker fans happenings out into deliveries,
signs each payload and POSTs it, retrying with exponential back-off.

Signing. Each delivery carries `X-Campaign-Timestamp` (Unix seconds) and
`X-Campaign-Signature: sha256=<hex>`, where hex is HMAC-SHA256 under the webhook's secret of
`<timestamp>.<raw body>`. A receiver recomputes it over the raw bytes, compares in constant time,
and refuses a timestamp more than five minutes old (a replayed delivery). Deliveries are at least
once: `X-Campaign-Delivery` and the body's `id` let a receiver drop a repeat.

Addresses. Only http and https URLs are accepted. Loopback, private, link-local and other
non-public addresses are refused, when registered and again before each delivery, unless
API_WEBHOOK_ALLOW_PRIVATE is on (a receiver on the same host or network; the tests use it).
Redirects are not followed.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, select

from campaign import claims, worker
from campaign.api.models import Delivery, DeliveryStatus, Webhook, split
from campaign.api.payloads import iso
from campaign.api.scopes import hook_events
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.extensions import db, rowcount
from campaign.features import Lane
from campaign.happenings import Happening
from campaign.timeutil import utcnow

logger = logging.getLogger(__name__)

PING = "ping"  # the kind of a "send a test" delivery
MAX_ATTEMPTS = 8  # 1 min, 2, 4, ... 64 min: a receiver may be down about two hours
_LEASE = timedelta(minutes=2)  # a claimed delivery is retried if its worker died mid-send
_RESPONSE_BYTES = 1024


class HookError(Exception):
    """A webhook cannot be saved as asked; the message says why."""


class UnsafeAddress(HookError):
    """The URL points somewhere a webhook may not go."""


def check_url(url: str, allow_private: bool) -> None:
    """Refuse what is not an http(s) URL to a public address (unless private ones are allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeAddress(str(_l("The address must start with http:// or https:// and name a host.")))
    if parts.username or parts.password:
        raise UnsafeAddress(str(_l("The address must not contain a user name or password.")))
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError):
        raise UnsafeAddress(str(_l("The host name could not be found."))) from None
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not address.is_global:
            raise UnsafeAddress(str(_l("The address points to a private or local network, which is not allowed.")))


def create(url: str, events: Iterable[str], scopes: Iterable[str], actor: User) -> tuple[Webhook, str]:
    """Register a webhook; returns it and its signing secret (shown once)."""
    check_url(url, current_app.config["API_WEBHOOK_ALLOW_PRIVATE"])
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = Webhook(url=url, events=",".join(sorted(set(events))), scopes=",".join(sorted(set(scopes))),
                   secret=secret, created_by_id=actor.id)
    db.session.add(hook)
    db.session.flush()
    audit.record(actor, "api.webhook_create", "webhook", hook.id, detail=hook.events)
    db.session.commit()
    return hook, secret


def remove(hook_id: int, actor: User) -> None:
    """Delete a webhook with its delivery log."""
    hook = db.session.get(Webhook, hook_id)
    if hook is not None:
        db.session.delete(hook)
        audit.record(actor, "api.webhook_delete", "webhook", hook_id)
    db.session.commit()


def send_test(hook_id: int, actor: User) -> Delivery | None:
    """Queue a "ping" delivery to the webhook, sent by the worker like any other."""
    hook = db.session.get(Webhook, hook_id)
    if hook is None:
        return None
    delivery = Delivery(webhook_id=hook.id, kind=PING, subject_id="")
    db.session.add(delivery)
    audit.record(actor, "api.webhook_test", "webhook", hook.id)
    worker.wake_after_commit(Lane.HOOKS)
    db.session.commit()
    return delivery


def all_hooks() -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).order_by(Webhook.id)))


def deliveries(hook_id: int, limit: int = 100) -> list[Delivery]:
    stmt = select(Delivery).where(Delivery.webhook_id == hook_id).order_by(Delivery.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


# --- the worker's side --------------------------------------------------------------------------


def fan_out(limit: int = 500) -> int:
    """Turn new happenings into one delivery per active webhook that asked for their kind.

    Claiming the happenings and adding their deliveries share one transaction."""
    claimed = claims.claim(Happening, Happening.due.is_(True), {"due": False}, limit,
                           returning=(Happening.id, Happening.kind, Happening.subject_id))
    if not claimed:
        db.session.commit()
        return 0
    hooks = [h for h in db.session.scalars(select(Webhook).where(Webhook.active.is_(True)))]
    for row in claimed:
        for hook in hooks:
            if row.kind in hook.event_list:
                db.session.add(Delivery(webhook_id=hook.id, event_id=row.id, kind=row.kind,
                                        subject_id=row.subject_id))
    db.session.commit()
    return len(claimed)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect could lead anywhere, a private address included


_OPENER = urllib.request.build_opener(_NoRedirects)


def _body(delivery: Delivery, hook: Webhook) -> bytes | None:
    """The JSON body, built now from the rows as they are; None when there is nothing to say."""
    if delivery.kind == PING:
        data: dict[str, object] | None = {"message": "test delivery"}
    else:
        event = hook_events().get(delivery.kind)
        held = frozenset(hook.scope_list)
        # A kind is announced only to a webhook holding its scope; the payload then keeps to the scopes held.
        data = event.payload(delivery.subject_id, held) if event is not None and event.scope in held else None
    if data is None:
        return None
    document = {
        "id": f"evt_{delivery.event_id}" if delivery.event_id is not None else f"ping_{delivery.id}",
        "type": delivery.kind, "created_at": iso(delivery.created_at), "data": data,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class _Send:
    """One POST to make, with everything it needs: no database or app is touched while sending."""

    delivery_id: int
    url: str
    kind: str
    secret: str
    body: bytes


def _post(send: _Send, allow_private: bool, timeout: float) -> tuple[int | None, str]:
    """POST the body; returns (HTTP status or None, error text without personal data)."""
    try:
        check_url(send.url, allow_private)  # again now: a name may point elsewhere since
    except UnsafeAddress as exc:
        return None, str(exc)[:200]
    timestamp = int(time.time())
    # check_url above allowed http and https only.
    request = urllib.request.Request(send.url, data=send.body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json",
        "User-Agent": "campaign-webhooks/1",
        "X-Campaign-Event": send.kind,
        "X-Campaign-Delivery": str(send.delivery_id),
        "X-Campaign-Timestamp": str(timestamp),
        "X-Campaign-Signature": sign(send.secret, timestamp, send.body),
    })
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            answer.read(_RESPONSE_BYTES)
            return int(answer.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # refused, timed out, bad certificate, bad URL
        return None, type(exc).__name__


def deliver_due(limit: int = 50) -> int:
    """Send due deliveries: claim (lease) a batch, build their bodies, POST them in parallel with
    no transaction open, then write each result. A slow or failing receiver costs only its own
    deliveries (at most one timeout per batch, beside the others), and a crash mid-send means a
    retry once the lease ends."""
    now = utcnow()
    due = and_(Delivery.status == DeliveryStatus.PENDING.value, Delivery.next_attempt_at <= now)
    claimed = [row.id for row in claims.claim(Delivery, due, {"next_attempt_at": now + _LEASE}, limit)]
    db.session.commit()
    if not claimed:
        return 0
    sends: list[_Send] = []
    for delivery_id in claimed:
        try:
            send = _prepare(delivery_id)
        except Exception as exc:  # one bad row never stops the queue
            db.session.rollback()
            _record(delivery_id, None, f"could not build: {type(exc).__name__}", final=True)
            logger.warning("webhook delivery %s: payload failed (%s)", delivery_id, type(exc).__name__)
            continue
        if send is not None:
            sends.append(send)
    db.session.commit()  # no transaction stays open while receivers answer
    config = current_app.config
    allow, timeout = bool(config["API_WEBHOOK_ALLOW_PRIVATE"]), float(config["API_WEBHOOK_TIMEOUT"])
    with ThreadPoolExecutor(max_workers=min(8, max(1, len(sends)))) as pool:
        results = list(pool.map(lambda one: _post(one, allow, timeout), sends))
    for send, (code, error) in zip(sends, results, strict=True):
        _record(send.delivery_id, code, error)
    return len(claimed)


def _prepare(delivery_id: int) -> _Send | None:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        return None
    hook = db.session.get(Webhook, delivery.webhook_id)
    if hook is None or not hook.active:
        _finish(delivery, None, "webhook inactive", final=True)
        return None
    body = _body(delivery, hook)
    if body is None:
        # The subject is gone, or the webhook's scopes allow nothing about it: nothing to send.
        _finish(delivery, None, "nothing to send (subject gone or out of scope)", final=True)
        return None
    return _Send(delivery.id, hook.url, delivery.kind, hook.secret, body)


def _record(delivery_id: int, code: int | None, error: str, final: bool = False) -> None:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is not None:
        _finish(delivery, code, error, final)
    db.session.commit()


def _finish(delivery: Delivery, code: int | None, error: str, final: bool = False) -> None:
    now = utcnow()
    delivery.last_code = code
    if code is not None and 200 <= code < 300:
        delivery.attempts += 1
        delivery.status = DeliveryStatus.DELIVERED.value
        delivery.delivered_at = now
        delivery.last_error = ""
        return
    delivery.last_error = error[:200]
    if final:
        delivery.status = DeliveryStatus.FAILED.value
        return
    delivery.attempts += 1
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED.value
    else:
        delivery.next_attempt_at = now + timedelta(seconds=60 * 2 ** (delivery.attempts - 1))


def purge_old(days: int = 30) -> int:
    """Forget happenings and finished deliveries older than `days` days."""
    cutoff = utcnow() - timedelta(days=days)
    gone = rowcount(db.session.execute(
        delete(Happening).where(Happening.due.is_(False), Happening.at < cutoff)
    ))
    gone += rowcount(db.session.execute(
        delete(Delivery).where(Delivery.status != DeliveryStatus.PENDING.value, Delivery.created_at < cutoff)
    ))
    db.session.commit()
    return int(gone)


def event_choices() -> list[tuple[str, object]]:
    return [(kind, event.label) for kind, event in sorted(hook_events().items())]


def known_events(values: Iterable[str]) -> list[str]:
    kinds = hook_events()
    return [v for v in values if v in kinds]


__all__ = ["HookError", "UnsafeAddress", "check_url", "create", "deliver_due", "fan_out", "sign", "split"]
