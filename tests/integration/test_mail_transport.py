"""Getting a message to the mail server: two round trips where the server offers PIPELINING, the
same bytes either way, and a refused address failing alone without losing the connection."""
from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from campaign.mail.transport import PermanentFailure, TemporaryFailure, Transport
from tests.conftest import free_port
from tests.smtp_support import Pipelining

SENDER = "news@campaign.example.org"


class Server:
    """Keeps what arrives; answers RCPT for some addresses with a chosen code."""

    def __init__(self) -> None:
        self.got: list[tuple[str, list[str], bytes]] = []
        self.rcpt_answers: dict[str, str] = {}
        self.mail_answer: str | None = None
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_HELO(self, server: Any, session: Any, envelope: Any, hostname: str) -> str:
        self.connections += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.mail_answer:
            return self.mail_answer
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.rcpt_answers:
            return self.rcpt_answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.got.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


class PipeliningServer(Pipelining, Server):
    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        self.connections += 1
        return await super().handle_EHLO(server, session, envelope, hostname, responses)


class PlainServer(Server):
    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        return responses


@contextmanager
def serving(make_app: Any, handler: Server) -> Iterator[None]:
    """`handler` on a loopback port, and an app context whose mail goes there."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port).app_context():
            yield
    finally:
        controller.stop()


@pytest.fixture()
def sendmail_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which messages went through smtplib's own sendmail (one command and answer at a time)."""
    calls: list[str] = []
    original = smtplib.SMTP.sendmail

    def spy(self: smtplib.SMTP, from_addr: str, to_addrs: Any, msg: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(to_addrs))
        return original(self, from_addr, to_addrs, msg, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", spy)
    return calls


# A line that starts with a dot must arrive as it was written (the sender doubles it, the server
# takes one away); the last line has no line end of its own.
MESSAGE = (b"From: news@campaign.example.org\r\nTo: a@example.net\r\nSubject: dots\r\n\r\n"
           b"first line\r\n.\r\n..two dots\r\n.last line")


@pytest.mark.parametrize("kind", [PipeliningServer, PlainServer])
def test_the_same_bytes_arrive_with_or_without_pipelining(make_app, kind, sendmail_calls):
    handler = kind()
    with serving(make_app, handler):
        with Transport() as transport:
            for n in range(3):
                assert transport.send(SENDER, f"r{n}@example.net", MESSAGE) == "250 accepted"
    assert [(mail_from, rcpt) for mail_from, rcpt, _content in handler.got] == [
        (SENDER, [f"r{n}@example.net"]) for n in range(3)
    ]
    assert {content for _f, _r, content in handler.got} == {MESSAGE + b"\r\n"}
    assert handler.connections == 1
    # smtplib's one-command-at-a-time path only where the server does not offer PIPELINING.
    assert len(sendmail_calls) == (0 if kind is PipeliningServer else 3)


@pytest.mark.parametrize("kind", [PipeliningServer, PlainServer])
def test_a_refused_recipient_fails_alone_and_the_next_message_goes(make_app, kind):
    handler = kind()
    handler.rcpt_answers = {"gone@example.net": "550 5.1.1 no such mailbox",
                            "busy@example.net": "452 4.2.2 mailbox full"}
    with serving(make_app, handler):
        with Transport() as transport:
            transport.send(SENDER, "first@example.net", MESSAGE)
            with pytest.raises(PermanentFailure, match="550"):
                transport.send(SENDER, "gone@example.net", MESSAGE)
            transport.send(SENDER, "after-gone@example.net", MESSAGE)
            with pytest.raises(TemporaryFailure, match="452"):
                transport.send(SENDER, "busy@example.net", MESSAGE)
            transport.send(SENDER, "after-busy@example.net", MESSAGE)
    assert [rcpt for _f, rcpt, _c in handler.got] == [
        ["first@example.net"], ["after-gone@example.net"], ["after-busy@example.net"]
    ]
    # A refused address does not cost the connection: the next message goes on it after RSET.
    assert handler.connections == 1


def test_a_refused_sender_is_a_failure_for_good(make_app):
    handler = PipeliningServer()
    handler.mail_answer = "553 5.7.1 sender not allowed"
    with serving(make_app, handler):
        with Transport() as transport, pytest.raises(PermanentFailure, match="553"):
            transport.send(SENDER, "a@example.net", MESSAGE)
    assert handler.got == []
