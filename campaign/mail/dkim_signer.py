"""DKIM signing (RFC 6376, rsa-sha256, relaxed/relaxed) with OpenSSL through `cryptography`.

dkimpy signs with pure-Python RSA, about 6.6 ms a message on this kind of machine: a newsletter
send with DKIM on ran at 2-3% of raw smtplib. Here the key is loaded once, the canonicalisation is
a few byte scans (regular expressions only where there is white space to fold), and the RSA
signature is one OpenSSL call (about 0.2-0.5 ms for a 2048-bit key on this kind of machine). dkimpy stays
the verifier in the tests (tests/unit/test_dkim_signer.py).
"""
from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_WSP = re.compile(rb"[ \t]+")
_TRAILING_WSP = re.compile(rb"[ \t]+\r\n")


def _relaxed_body(body: bytes) -> bytes:
    # Each step runs only when the body has something for it to do: a newsletter's base64 parts
    # have no spaces or tabs, and the regular expressions cost more than the RSA signature.
    if b"\t" in body or b"  " in body:
        body = _WSP.sub(b" ", body)
    if b" \r\n" in body:  # after the step above, trailing white space is a single space
        body = _TRAILING_WSP.sub(b"\r\n", body)
    end = len(body)
    while body.endswith(b"\r\n", 0, end):  # the empty lines at the end, and the last line break
        end -= 2
    body = body[:end]
    if body:
        body += b"\r\n"
    # RFC 6376 3.4.4: the body "\r\n" alone (after removing trailing empty lines) is empty.
    return body


def _relaxed_header(name: bytes, value: bytes) -> bytes:
    unfolded = value.replace(b"\r\n", b"")
    return name.strip().lower() + b":" + _WSP.sub(b" ", unfolded).strip() + b"\r\n"


def _headers(head: bytes) -> list[tuple[bytes, bytes]]:
    """(name, raw value with its folding) for each header, in order."""
    found: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and found:
            name, value = found[-1]
            found[-1] = (name, value + b"\r\n" + line)
        elif b":" in line:
            name, _colon, value = line.partition(b":")
            found.append((name, value))
    return found


class DkimSigner:
    """Signs messages for one domain and selector; build once, call `sign` per message."""

    def __init__(self, key_pem: bytes, selector: str, domain: str, include_headers: Sequence[bytes]) -> None:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the DKIM key must be an RSA private key")
        self._key = key
        self._selector = selector.encode()
        self._domain = domain.encode()
        self._include = [name.lower() for name in include_headers]

    def sign(self, message: bytes) -> bytes:
        """The `DKIM-Signature: ...\\r\\n` header line to put in front of `message` (CRLF line ends)."""
        head, _sep, body = message.partition(b"\r\n\r\n")
        body_hash = base64.b64encode(hashlib.sha256(_relaxed_body(body)).digest())
        headers = _headers(head)
        signed: list[bytes] = []
        canonical: list[bytes] = []
        for name in self._include:
            # The last instance of each header is the one a verifier takes first (RFC 6376 5.4.2).
            match = next((h for h in reversed(headers) if h[0].strip().lower() == name), None)
            if match is None:
                continue
            signed.append(name)
            canonical.append(_relaxed_header(*match))
        value = (
            b"v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + self._domain + b"; s=" + self._selector
            + b"; t=" + str(int(time.time())).encode() + b"; h=" + b":".join(signed)
            + b"; bh=" + body_hash + b"; b="
        )
        data = b"".join(canonical) + _relaxed_header(b"DKIM-Signature", b" " + value)[:-2]
        signature = base64.b64encode(self._key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
        return b"DKIM-Signature: " + value + signature + b"\r\n"
