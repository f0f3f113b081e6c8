"""What the petitions feature holds on an address, for the data-rights page.

Erasing keeps a confirmed signature (so the count stays) but blanks who signed: no name, address,
region or comment, shown as anonymous.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campaign.extensions import db
from campaign.petitions.models import Petition, Signature
from campaign.rights.registry import Holder, register


def collect(email: str) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Signature, Petition.slug).join(Petition, Petition.id == Signature.petition_id).where(Signature.email == email)
    ).all()
    return [
        {"petition": slug, "name": s.name, "email": s.email, "region": s.region, "comment": s.comment,
         "shown_as": s.display, "newsletter": s.newsletter, "status": s.status, "signed_at": s.created_at,
         "confirmed_at": s.confirmed_at}
        for s, slug in rows
    ]


def erase(email: str) -> int:
    signatures = db.session.scalars(select(Signature).where(Signature.email == email)).all()
    for signature in signatures:
        signature.email = f"erased-{signature.id}"  # unique per petition, and not an address
        signature.name = ""
        signature.region = ""
        signature.comment = ""
        signature.display = "anonymous"
        signature.newsletter = False
    return len(signatures)


register(Holder("petition_signatures", collect, erase))
