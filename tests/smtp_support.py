"""What the tests' and benchmarks' aiosmtpd servers share."""
from __future__ import annotations

from typing import Any


class Pipelining:
    """An aiosmtpd handler that offers PIPELINING (RFC 2920), as Postfix, Exim and the large
    providers do: aiosmtpd reads pipelined commands one line at a time but does not say it can."""

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]
