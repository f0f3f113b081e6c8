"""All cryptography of the intake feature, behind one small object given to services.

- The group's key pair: answers, contact details, messages and notes are sealed (libsodium sealed
  boxes) to its public key. The private key is stored only wrapped: a SecretBox whose key is
  derived from a passphrase with Argon2id. Nothing on the server can open a sealed box until a
  caseworker gives the passphrase.
- Receipt codes: 20 characters from Crockford's base32 alphabet (100 bits), shown once. A
  per-request key pair is derived from the code with Argon2id; its public key doubles as the slow
  hash that verifies the code, and replies are sealed to it so only the code holder (and the
  unlocked team key) can read them. A 16-bit lookup id derived from the code finds the row without
  scanning every row; it narrows a guess by only 16 of the code's 100 bits.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.pwhash import argon2id
from nacl.secret import SecretBox

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_GROUPS, CODE_GROUP_LEN = 4, 5
# Unlocking happens once per session, so the passphrase gets the stronger setting; a receipt
# code already carries 100 bits and is checked on every status visit.
PASSPHRASE_LIMITS = (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE)
CODE_LIMITS = (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)
MIN_PASSPHRASE = 12


class Locked(Exception):
    """The private key is not unlocked in this session, so nothing can be decrypted."""


class WrongPassphrase(Exception):
    """The passphrase does not unwrap the stored key."""


class WeakPassphrase(ValueError):
    """The passphrase is too short to protect the key."""


@dataclass(frozen=True)
class WrappedKey:
    """A key pair as stored: the public key, and the private key wrapped with a passphrase."""

    public_key: bytes
    wrapped_private: bytes
    salt: bytes
    opslimit: int
    memlimit: int


def _passphrase_key(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return argon2id.kdf(SecretBox.KEY_SIZE, passphrase.encode(), salt, opslimit=opslimit, memlimit=memlimit)


def generate_wrapped(passphrase: str) -> tuple[WrappedKey, PrivateKey]:
    """A new key pair, with its private key wrapped by `passphrase`."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise WeakPassphrase(f"the passphrase must have at least {MIN_PASSPHRASE} characters")
    private = PrivateKey.generate()
    salt = secrets.token_bytes(argon2id.SALTBYTES)
    opslimit, memlimit = PASSPHRASE_LIMITS
    box = SecretBox(_passphrase_key(passphrase, salt, opslimit, memlimit))
    wrapped = WrappedKey(bytes(private.public_key), bytes(box.encrypt(bytes(private))), salt, opslimit, memlimit)
    return wrapped, private


def unwrap(stored: WrappedKey, passphrase: str) -> PrivateKey:
    """The private key, or WrongPassphrase."""
    box = SecretBox(_passphrase_key(passphrase, stored.salt, stored.opslimit, stored.memlimit))
    try:
        private = PrivateKey(box.decrypt(stored.wrapped_private))
    except CryptoError:
        raise WrongPassphrase() from None
    if bytes(private.public_key) != stored.public_key:
        raise WrongPassphrase()
    return private


class CaseKeyring:
    """Seals to the group's public key; opens only when built with the unlocked private key."""

    def __init__(self, public_key: bytes, version: int, private_key: PrivateKey | None = None) -> None:
        self.public_key = PublicKey(public_key)
        self.version = version
        self._private = private_key

    def __repr__(self) -> str:  # never print key material
        return f"<CaseKeyring v{self.version} {'unlocked' if self.unlocked else 'locked'}>"

    @property
    def unlocked(self) -> bool:
        return self._private is not None

    def private_key(self) -> PrivateKey:
        """The unlocked key, for keeping in the process's unlock store."""
        if self._private is None:
            raise Locked()
        return self._private

    def seal(self, plaintext: str) -> bytes:
        return bytes(SealedBox(self.public_key).encrypt(plaintext.encode()))

    def open(self, sealed: bytes) -> str:
        if self._private is None:
            raise Locked()
        return SealedBox(self._private).decrypt(sealed).decode()


# --- receipt codes --------------------------------------------------------------------------


def new_receipt_code() -> str:
    """A random code such as 7KX2M-Q9DPA-3RTVW-H4N8B (100 bits)."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LEN))
    return "-".join(chars[i : i + CODE_GROUP_LEN] for i in range(0, len(chars), CODE_GROUP_LEN))


def normalise_code(raw: str) -> str | None:
    """Canonical form of a typed code (case, spaces, dashes, O/0 and I/L/1 forgiven), or None."""
    cleaned = "".join(ch for ch in raw.upper() if not ch.isspace() and ch not in "-_")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != CODE_GROUPS * CODE_GROUP_LEN or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def grouped_code(code: str) -> str:
    """A normalised code as it is shown: groups of five joined by dashes (7KX2M-Q9DPA-...)."""
    return "-".join(code[i : i + CODE_GROUP_LEN] for i in range(0, len(code), CODE_GROUP_LEN))


def lookup_id(code: str) -> str:
    """A short, non-secret index for the row of a normalised code (16 bits: collisions expected)."""
    return hashlib.blake2b(code.encode(), digest_size=2, person=b"intake-lookup").hexdigest()


def new_code_salt() -> bytes:
    return secrets.token_bytes(argon2id.SALTBYTES)


def code_key(code: str, salt: bytes) -> PrivateKey:
    """The per-request private key derived from a normalised code (Argon2id, slow on purpose)."""
    opslimit, memlimit = CODE_LIMITS
    return PrivateKey(argon2id.kdf(32, code.encode(), salt, opslimit=opslimit, memlimit=memlimit))


def seal_to(public_key: bytes, plaintext: str) -> bytes:
    return bytes(SealedBox(PublicKey(public_key)).encrypt(plaintext.encode()))


def open_with(private_key: PrivateKey, sealed: bytes) -> str:
    return SealedBox(private_key).decrypt(sealed).decode()
