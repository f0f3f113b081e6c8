from collections.abc import Sequence
from typing import Any

def sign(
    message: bytes,
    selector: bytes,
    domain: bytes,
    privkey: bytes,
    identity: bytes | None = None,
    canonicalize: tuple[bytes, bytes] = ...,
    signature_algorithm: bytes = ...,
    include_headers: Sequence[bytes] | None = None,
    length: bool = False,
    logger: Any = None,
    linesep: bytes = ...,
    tlsrpt: bool = False,
) -> bytes: ...
def verify(message: bytes, logger: Any = None, dnsfunc: Any = ..., minkey: int = 1024, timeout: int = 5) -> bool: ...
def __getattr__(name: str) -> Any: ...
