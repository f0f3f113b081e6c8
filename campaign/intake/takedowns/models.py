"""Takedown reports filed with platforms.

A report filed for a survivor's case keeps its channel/URL and notes sealed to the team key (they
can point at the survivor); a standalone report keeps them in the clear but shows them only to
caseworkers. Platform, content type, dates and response are always clear: they feed the public
aggregates.
"""
from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import Model


class Response(str, enum.Enum):
    NONE = "none"  # no answer yet
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    MORE_INFO = "more_info"
    REFUSED = "refused"


class Takedown(Model):
    __tablename__ = "takedowns"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id", ondelete="SET NULL"), index=True
    )
    platform: Mapped[str] = mapped_column(String(30), index=True)
    content_type: Mapped[str] = mapped_column(String(30))
    target: Mapped[str] = mapped_column(String(500), default="")  # empty when sealed
    notes: Mapped[str] = mapped_column(Text, default="")  # empty when sealed
    details_box: Mapped[bytes | None] = mapped_column(LargeBinary)  # JSON {target, notes}, linked rows
    key_version: Mapped[int | None]
    reference: Mapped[str] = mapped_column(String(100), default="")
    reported_on: Mapped[date] = mapped_column(Date)
    response: Mapped[str] = mapped_column(String(20), default=Response.NONE.value)
    removed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<Takedown {self.id} {self.platform}>"

    @property
    def sealed(self) -> bool:
        return self.details_box is not None
