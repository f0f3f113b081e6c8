"""Templated mail built once and filled in per recipient, for the mails that go out by the thousand.

Building an EmailMessage per recipient caps a sender near 400 messages a second (headers parsed
and folded one by one). A `Skeleton` renders `mail/<template>.txt` and `.html` once per language
and shared context, with QZ...QZ slots where per-recipient values go (links); the email package
serialises the shared headers once (RFC 2047 for Chinese subjects). Per recipient only the slots
and the To, Date and Message-ID headers are filled in, and each part is base64-encoded in one C
call. The newsletter's compose.Prepared works the same way.
"""
from __future__ import annotations

import binascii
import html
import re
import secrets
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from campaign.mail.services import (
    UndeliverableAddress,
    needs_smtputf8,
    one_line,
    render,
    sender_address,
)

_SLOT = re.compile(rb"QZ([A-Z]+[0-9]*)QZ")
_TEXT_BODY = b"QZTEXTBODYQZ"
_HTML_BODY = b"QZHTMLBODYQZ"


def slot(name: str) -> str:
    """The marker to pass in a template's context where a per-recipient value goes (A-Z only)."""
    return f"QZ{name}QZ"


class SlotTemplate:
    """Bytes with QZ...QZ slots, split once so filling is a join (here and in newsletter issues)."""

    def __init__(self, rendered: bytes) -> None:
        pieces = _SLOT.split(rendered)
        self.literals = pieces[0::2]
        self.slots = [piece.decode() for piece in pieces[1::2]]

    def fill(self, values: dict[str, bytes]) -> bytes:
        out = [self.literals[0]]
        for name, literal in zip(self.slots, self.literals[1:], strict=True):
            out.append(values[name])
            out.append(literal)
        return b"".join(out)


def b64_lines(data: bytes) -> bytes:
    """Base64 in 76-character CRLF lines: one C call, then slicing (encodebytes loops per 57 bytes)."""
    encoded = binascii.b2a_base64(data, newline=False)
    return b"\r\n".join([encoded[i:i + 76] for i in range(0, len(encoded), 76)]) + b"\r\n"


class Skeleton:
    """One templated mail in one language, ready to be filled in for each recipient."""

    def __init__(self, template: str, locale: str, subject: Any, **context: Any) -> None:
        subject_text, text, body_html = render(template, locale, subject, **context)
        message = EmailMessage(policy=SMTP)
        message["From"] = sender_address()
        message["Subject"] = one_line(subject_text)
        message.set_content(_TEXT_BODY.decode(), cte="7bit")
        message.add_alternative(_HTML_BODY.decode(), subtype="html", cte="7bit")
        for part in message.iter_parts():
            part.replace_header("Content-Transfer-Encoding", "base64")
            part.set_param("charset", "utf-8")
        head = message.as_bytes(policy=SMTP)
        head = head.replace(_TEXT_BODY + b"\r\n", _TEXT_BODY).replace(_HTML_BODY + b"\r\n", _HTML_BODY)
        before, rest = head.split(_TEXT_BODY, 1)
        middle, after = rest.split(_HTML_BODY, 1)
        self._parts = (before, middle, after)
        self._text = SlotTemplate(text.encode())
        self._html = SlotTemplate(body_html.encode())
        self._domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"

    def message(self, to: str, values: dict[str, str]) -> bytes:
        """The complete message for one recipient, as bytes with CRLF line ends.

        `To:` holds the bare address: these mails go to addresses nobody has confirmed yet, so no
        name typed by whoever filled the form may reach the inbox.
        """
        if needs_smtputf8(to):
            # Rare: such addresses take the general path (EmailMessage with the SMTPUTF8 policy).
            raise UndeliverableAddress("non-ASCII address: build with mail.build_message")
        headers = (
            f"To: {to}\r\n"
            f"Date: {formatdate(usegmt=True)}\r\n"
            f"Message-ID: <{secrets.token_hex(12)}@{self._domain}>\r\n"
        ).encode()
        plain = {name: value.encode() for name, value in values.items()}
        escaped = {name: html.escape(value).encode() for name, value in values.items()}
        before, middle, after = self._parts
        return b"".join((
            headers, before, b64_lines(self._text.fill(plain)), middle, b64_lines(self._html.fill(escaped)), after,
        ))
