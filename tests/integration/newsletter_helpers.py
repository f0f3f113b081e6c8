"""Helpers for the newsletter tests: a counting SMTP sink and bulk test data."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import insert

from campaign.auth.models import User
from campaign.extensions import db
from campaign.newsletter import services
from campaign.newsletter.models import Subscriber
from campaign.timeutil import utcnow
from tests.conftest import free_port
from tests.smtp_support import Pipelining


class CountingSink(Pipelining):
    """An SMTP server that only counts messages per recipient; it can refuse the first N."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.refuse_first = 0
        self.refuse_with = "451 4.3.0 try again later"
        self.refused = 0
        self.refuse_rcpt: set[str] = set()  # answered 550 for good
        self.keep_raw = False
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refuse_rcpt & set(envelope.rcpt_tos):
                return "550 5.1.1 no such mailbox"
            if self.refused < self.refuse_first:
                self.refused += 1
                return self.refuse_with
            for rcpt in envelope.rcpt_tos:
                self.counts[rcpt] += 1
            if self.keep_raw:
                self.raw.append(envelope.original_content or envelope.content)
        return "250 OK"

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())


@contextmanager
def counting_sink() -> Iterator[tuple[CountingSink, int]]:
    sink = CountingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def add_subscribers(
    count: int, status: str = "confirmed", prefix: str = "reader", locale: str = "zh_Hans"
) -> list[str]:
    """Insert `count` subscribers in one statement; return their addresses."""
    now = utcnow()
    addresses = [f"{prefix}{i}@example.net" for i in range(count)]
    db.session.execute(
        insert(Subscriber),
        [
            {"email": a, "name": f"读者{i}", "locale": locale, "topics": "", "status": status,
             "source": "test", "created_at": now, "confirmed_at": now, "bounce_reason": ""}
            for i, a in enumerate(addresses)
        ],
    )
    db.session.commit()
    return addresses


def start_issue(
    actor: User, subject: str = "第一期：我们的进展", body: str = "{{name|朋友}}，你好！\n\n感谢支持。"
) -> int:
    issue = services.create_issue(services.IssueData(subject={"zh_Hans": subject}, body={"zh_Hans": body}), actor)
    services.start_send(issue.id, actor)
    return issue.id
