"""API codes as people read them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

DELIVERY_STATUS_LABELS: dict[str, object] = {
    "pending": _l("waiting"),
    "delivered": _l("delivered"),
    "failed": _l("failed"),
}
