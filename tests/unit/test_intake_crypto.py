import pytest
from nacl.exceptions import CryptoError

from campaign.intake import crypto


def test_wrapped_key_opens_only_with_its_passphrase():
    """The private key can be recovered with the passphrase and with nothing else."""
    wrapped, private = crypto.generate_wrapped("a long enough passphrase")
    assert bytes(crypto.unwrap(wrapped, "a long enough passphrase")) == bytes(private)
    assert bytes(private) not in wrapped.wrapped_private
    with pytest.raises(crypto.WrongPassphrase):
        crypto.unwrap(wrapped, "a long enough passphrasE")


def test_short_passphrase_is_refused():
    """A passphrase too short to protect every request is refused at key creation."""
    with pytest.raises(crypto.WeakPassphrase):
        crypto.generate_wrapped("short")


def test_locked_keyring_seals_but_cannot_open():
    """Without the unlocked private key, sealed data cannot be read by any keyring call."""
    wrapped, private = crypto.generate_wrapped("a long enough passphrase")
    locked = crypto.CaseKeyring(wrapped.public_key, 1)
    box = locked.seal("秘密 secret")
    assert b"secret" not in box
    with pytest.raises(crypto.Locked):
        locked.open(box)
    with pytest.raises(crypto.Locked):
        locked.private_key()
    assert crypto.CaseKeyring(wrapped.public_key, 1, private).open(box) == "秘密 secret"
    assert "unlocked" not in repr(locked) and bytes(private).hex() not in repr(
        crypto.CaseKeyring(wrapped.public_key, 1, private)
    )


def test_receipt_codes_are_random_and_forgiving_to_type():
    """Codes are 20 unambiguous characters, and typing them in lower case, with spaces or O/I is accepted."""
    codes = {crypto.new_receipt_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    normal = crypto.normalise_code(code)
    assert normal is not None and len(normal) == 20 and set(normal) <= set(crypto.CODE_ALPHABET)
    assert crypto.normalise_code(" " + code.lower().replace("-", " ") + " ") == normal
    assert crypto.normalise_code("O" * 20) == "0" * 20
    assert crypto.normalise_code("ABC") is None
    assert crypto.normalise_code("U" * 20) is None


def test_code_key_depends_on_code_and_salt():
    """Replies sealed to a request open only with the key derived from that request's own code."""
    salt = crypto.new_code_salt()
    code = crypto.normalise_code(crypto.new_receipt_code())
    other = crypto.normalise_code(crypto.new_receipt_code())
    key = crypto.code_key(code, salt)
    assert bytes(crypto.code_key(code, salt)) == bytes(key)
    assert bytes(crypto.code_key(code, crypto.new_code_salt())) != bytes(key)
    box = crypto.seal_to(bytes(key.public_key), "回复")
    assert crypto.open_with(key, box) == "回复"
    with pytest.raises(CryptoError):
        crypto.open_with(crypto.code_key(other, salt), box)
