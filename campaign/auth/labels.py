"""Staff roles as people read them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.auth.models import Role

ROLE_LABELS: dict[str, object] = {
    Role.ADMIN.value: _l("Admin"),
    Role.ORGANISER.value: _l("Organiser"),
    Role.CASEWORKER.value: _l("Caseworker"),
}
