"""Getting bytes to the mail server, or to .eml files when no server is configured.

Where the server offers PIPELINING (RFC 2920: Postfix, Exim and the large providers do), a
message takes two round trips instead of four: MAIL FROM, RCPT TO and DATA go in one write and
their three answers are read together, then the content. smtplib.sendmail waits for each answer
in turn and parses both addresses again: on loopback it costs about 0.15 ms of CPU a message, this
about 0.06 ms (the newsletter engine went from 0.30 to 0.21 ms a message, bench/dispatch.py).
"""
from __future__ import annotations

import os
import re
import smtplib
import ssl
from pathlib import Path
from types import TracebackType
from typing import NoReturn

import flask_mail
from flask import current_app

from campaign.timeutil import utcnow

_LEADING_DOT = re.compile(rb"(?m)^\.")
# What smtplib would quote or refuse: such addresses take its path.
_UNUSUAL = re.compile(r"[\x00-\x20<>\"\\()]")


class TemporaryFailure(Exception):
    """The server or the network failed in a way worth retrying (4xx, drop, timeout)."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx)."""


class _TimedConnection(flask_mail.Connection):
    """Flask-Mail's connection, with a timeout so a slow server cannot hang a request."""

    def configure_host(self) -> smtplib.SMTP:
        timeout = current_app.config["MAIL_TIMEOUT"]
        host: smtplib.SMTP
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(
                self.mail.server, self.mail.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls(context=ssl.create_default_context())
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class Transport:
    """One connection reused for many messages: `with Transport() as t: t.send(...)`."""

    def __init__(self) -> None:
        self._state: flask_mail.Mail = current_app.extensions["mail"]
        self._outbox = None if current_app.config["MAIL_SERVER"] else Path(
            current_app.config["MAIL_OUTBOX_DIR"]
        )
        self._conn: _TimedConnection | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None and self._conn.host is not None:
            try:
                self._conn.host.quit()
            except (smtplib.SMTPException, OSError):
                pass
        self._conn = None

    def _host(self) -> smtplib.SMTP:
        if self._conn is not None and self._conn.host is not None:
            return self._conn.host
        conn = _TimedConnection(self._state)
        try:
            host = conn.configure_host()
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"connect: {exc}") from exc
        conn.host = host
        self._conn = conn
        return host

    def send(self, sender: str, recipient: str, message: bytes) -> str:
        """Deliver one message; return the server's answer or raise a *Failure."""
        if self._outbox is not None:
            return self._write_eml(self._outbox, message)
        utf8 = not (sender.isascii() and recipient.isascii())
        try:
            host = self._host()
            options: list[str] = []
            host.ehlo_or_helo_if_needed()
            if utf8:
                if not host.has_extn("smtputf8"):
                    raise PermanentFailure("the server does not offer SMTPUTF8 for this address")
                options = ["SMTPUTF8"]
            if host.does_esmtp and host.has_extn("pipelining") and not _UNUSUAL.search(sender + recipient):
                return self._pipelined(host, sender, recipient, message, options)
            refused = host.sendmail(sender, [recipient], message, mail_options=options)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            self._raise_for(code, answer)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421 or exc.smtp_code < 500:
                self.close()
            self._raise_for(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailure(str(exc) or type(exc).__name__) from exc
        if refused:
            code, answer = next(iter(refused.values()))
            self._raise_for(code, answer)
        return "250 accepted"

    def _pipelined(self, host: smtplib.SMTP, sender: str, recipient: str, message: bytes, options: list[str]) -> str:
        """MAIL, RCPT and DATA in one write, then the content: two round trips a message."""
        extra = [*options, f"SIZE={len(message)}"] if host.has_extn("size") else options
        envelope = f"MAIL FROM:<{sender}>{''.join(' ' + o for o in extra)}\r\nRCPT TO:<{recipient}>\r\nDATA\r\n"
        host.send(envelope.encode("utf-8" if options else "ascii"))
        answers = [host.getreply() for _ in range(3)]
        for (code, answer), accepted in zip(answers, ((250,), (250, 251), (354,)), strict=True):
            if code not in accepted:
                if answers[2][0] == 354:
                    # DATA was opened although the sender or the recipient was refused: end it empty.
                    host.send(b".\r\n")
                    host.getreply()
                self._refused(host, code, answer)
        content = _LEADING_DOT.sub(b"..", message)
        if not content.endswith(b"\r\n"):
            content += b"\r\n"
        host.send(content + b".\r\n")
        code, answer = host.getreply()
        if code != 250:
            self._refused(host, code, answer)
        return "250 accepted"

    def _refused(self, host: smtplib.SMTP, code: int, answer: bytes) -> NoReturn:
        """Leave the connection ready for the next message (RSET; dropped on 421), then raise."""
        if code == 421:
            self.close()
        else:
            try:
                host.rset()
            except (smtplib.SMTPException, OSError):
                self.close()
        self._raise_for(code, answer)

    @staticmethod
    def _raise_for(code: int, answer: bytes | str) -> NoReturn:
        text = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
        if 500 <= code < 600:
            raise PermanentFailure(f"{code} {text}")
        raise TemporaryFailure(f"{code} {text}")

    @staticmethod
    def _write_eml(folder: Path, message: bytes) -> str:
        # Dev mails hold addresses and links: readable by the app's user only.
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        path = folder / f"{stamp}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(message)
        return f"written {path.name}"
