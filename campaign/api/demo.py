"""Demo data: a coalition partner's key and webhook, with a short delivery log."""
from __future__ import annotations

import hashlib
import random
import secrets
from datetime import timedelta

from sqlalchemy import select

from campaign.api.models import ApiKey, Delivery, DeliveryStatus, Webhook
from campaign.extensions import db
from campaign.timeutil import utcnow

DEMO_URL = "https://partner.example.org/hooks/campaign"


def seed_api(rng: random.Random) -> None:
    if db.session.scalar(select(Webhook.id).where(Webhook.url == DEMO_URL)) is not None:
        return  # seeded already: running the seeder again changes nothing
    now = utcnow()
    # The demo key's token is thrown away: it exists to fill the list, not to be used.
    db.session.add(ApiKey(name="联盟伙伴：签名统计表", prefix=secrets.token_hex(6),
                          token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                          scopes="petitions:read", created_at=now - timedelta(days=20),
                          last_used_at=now - timedelta(hours=rng.randint(1, 20))))
    hook = Webhook(url=DEMO_URL, events="signature.confirmed",
                   scopes="petitions:read", secret="whsec_" + secrets.token_urlsafe(32),
                   created_at=now - timedelta(days=20))
    db.session.add(hook)
    db.session.flush()
    for n in range(6):
        failed = n == 2
        db.session.add(Delivery(
            webhook_id=hook.id, event_id=None, kind="signature.confirmed", subject_id="",
            status=DeliveryStatus.FAILED.value if failed else DeliveryStatus.DELIVERED.value,
            attempts=8 if failed else 1, last_code=503 if failed else 200,
            last_error="HTTP 503" if failed else "", created_at=now - timedelta(hours=6 * n),
            delivered_at=None if failed else now - timedelta(hours=6 * n),
        ))
    db.session.commit()
