"""Staff accounts: passwords, second factor, invitations and revocation."""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
from collections.abc import Iterable
from typing import Any

import pyotp
import qrcode
import qrcode.image.svg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, Select, delete, func, select, update

from campaign import sessions, tokens
from campaign.audit import services as audit
from campaign.auth.models import RecoveryCode, Role, TotpEnrolment, User, UserRole
from campaign.extensions import db
from campaign.links import absolute_url
from campaign.mail import services as mail
from campaign.privacy import normalise_email
from campaign.timeutil import utcnow

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# A hash to verify against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
MIN_PASSWORD = 12
RECOVERY_CODES = 10
INVITE_PURPOSE = "staff-invite"


class AuthError(Exception):
    """Base for this feature's refusals; the message is shown to the user."""


class EmailTaken(AuthError):
    pass


class WeakPassword(AuthError):
    pass


class InviteInvalid(AuthError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(str(_l("Use at least %(n)d characters.", n=MIN_PASSWORD)))
    return _hasher.hash(password)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def users_query(search: str = "") -> Select[User]:
    """Staff accounts by email, those whose address contains `search` (any case) when given."""
    stmt = select(User).order_by(User.email)
    if search:
        stmt = stmt.where(User.email.contains(search.lower(), autoescape=True))
    return stmt


def check_password(email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Takes the same time either way."""
    user = find_user(email)
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        db.session.commit()
    return user


def create_user(
    email: str, roles: Iterable[Role], password: str | None = None, actor: User | None = None
) -> User:
    """Create a staff account; without a password it can only be entered through an invitation."""
    address = normalise_email(email)
    if find_user(address) is not None:
        raise EmailTaken(str(_l("An account with this address exists already.")))
    user = User(email=address, password_hash=hash_password(password) if password else None)
    user.role_rows = [UserRole(role=Role(r).value) for r in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, "roles: " + ",".join(r.value for r in user.roles))
    db.session.commit()
    return user


def set_roles(user: User, roles: Iterable[Role], actor: User | None = None) -> User:
    wanted = {Role(r).value for r in roles}
    user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - {row.role for row in user.role_rows})
    ]
    audit.record(actor, "user.set_roles", "user", user.id, "roles: " + ",".join(sorted(wanted)))
    db.session.commit()
    return user


def revoke(user: User, actor: User | None = None, disable: bool = True) -> None:
    """End every session of `user` and void every link already mailed to them."""
    user.session_version += 1
    if disable:
        user.disabled_at = utcnow()
    audit.record(actor, "user.disable" if disable else "user.revoke_sessions", "user", user.id)
    db.session.commit()
    sessions.end_all(sessions.STAFF, user.id, "revoked")


def enable(user: User, actor: User | None = None) -> None:
    user.disabled_at = None
    audit.record(actor, "user.enable", "user", user.id)
    db.session.commit()


def set_password(user: User, password: str, actor: User | None = None) -> None:
    user.password_hash = hash_password(password)
    user.session_version += 1  # other sessions end when the password changes
    audit.record(actor or user, "user.set_password", "user", user.id)
    db.session.commit()
    sessions.end_all(sessions.STAFF, user.id, "revoked")


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    audit.record(user, "user.login", "user", user.id)
    db.session.commit()


# --- invitations -------------------------------------------------------------------------------


def _invite_state(user: User) -> str:
    # Changes once a password is set or the account is revoked: the link is then used up.
    return f"{user.session_version}:{(user.password_hash or '')[-16:]}"


def invite(email: str, roles: Iterable[Role], actor: User, locale: str) -> User:
    """Create (or re-invite) an account without a password and mail it a set-password link."""
    user = find_user(email)
    if user is None:
        user = create_user(email, roles, actor=actor)
    elif user.password_hash:
        raise EmailTaken(str(_l("An account with this address exists already.")))
    token = tokens.make(INVITE_PURPOSE, user.id, _invite_state(user))
    days = current_app.config["INVITE_DAYS"]
    mail.send_template(
        user.email,
        "staff_invite",
        locale,
        _l("You are invited to %(org)s", org=current_app.config["ORG_NAME"]),
        link=absolute_url("auth.accept_invite", token=token),
        days=days,
    )
    audit.record(actor, "user.invite", "user", user.id)
    db.session.commit()
    return user


def user_for_invite(token: str) -> User:
    """The invited user, while the link is valid, unexpired and unused."""
    max_age = current_app.config["INVITE_DAYS"] * 86400
    try:
        user = tokens.open_link(INVITE_PURPOSE, token, max_age, User, _invite_state)
        if not user.is_active:
            raise tokens.LinkSpent()
    except tokens.TokenExpired:
        raise InviteInvalid(str(_l("This invitation has expired. Ask an admin for a new one."))) from None
    except tokens.LinkSpent:
        raise InviteInvalid(str(_l("This invitation has been used or withdrawn."))) from None
    except tokens.TokenInvalid:
        raise InviteInvalid(str(_l("This invitation link is not valid."))) from None
    return user


# --- second factor -----------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_svg(user: User, secret: str) -> str:
    """An inline SVG QR code for the authenticator app; made here, never by another host."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["ORG_NAME"])
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def totp_step(secret: str, code: str) -> int | None:
    """The time step (unix time // 30) whose code this is, within one step of now, or None."""
    totp = pyotp.TOTP(secret)
    code = code.replace(" ", "")
    now = int(time.time()) // totp.interval
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def totp_ok(secret: str, code: str) -> bool:
    return totp_step(secret, code) is not None


def _spend_totp_step(user: User, step: int) -> bool:
    """Record `step` as used; False when it (or a later one) was used already, in any process."""
    done: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(User).where(User.id == user.id, User.totp_last_step < step).values(totp_last_step=step)
    )
    db.session.commit()
    return bool(done.rowcount)


def enrolment_secret(user: User) -> str:
    """The secret being set up for `user`, kept on the server (never in the cookie)."""
    row = db.session.get(TotpEnrolment, user.id)
    if row is None:
        row = TotpEnrolment(user_id=user.id, secret=new_totp_secret())
        db.session.add(row)
        db.session.commit()
    return row.secret


def finish_enrolment(user: User, code: str) -> list[str] | None:
    """Turn the second factor on if `code` matches the pending secret; fresh recovery codes or None."""
    row = db.session.get(TotpEnrolment, user.id)
    step = totp_step(row.secret, code.strip()) if row is not None else None
    if row is None or step is None:
        return None
    secret = row.secret
    db.session.delete(row)
    return enable_totp(user, secret, used_step=step)


def _code_hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.replace("-", "").lower().encode(), hashlib.sha256).hexdigest()


def enable_totp(user: User, secret: str, used_step: int = 0) -> list[str]:
    """Turn on the second factor and return fresh recovery codes, shown once."""
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_step = used_step  # the code typed to enrol cannot sign in again
    db.session.execute(delete(TotpEnrolment).where(TotpEnrolment.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    user.recovery_codes = [RecoveryCode(code_hash=_code_hash(c)) for c in codes]
    audit.record(user, "user.enable_2fa", "user", user.id)
    db.session.commit()
    return codes


def disable_totp(user: User, actor: User) -> None:
    user.totp_secret = None
    user.totp_enabled = False
    user.recovery_codes = []
    audit.record(actor, "user.disable_2fa", "user", user.id)
    db.session.commit()


def second_factor_ok(user: User, code: str) -> bool:
    """Accept a current TOTP code once (a replay of it is refused) or use up one recovery code."""
    code = code.strip()
    step = totp_step(user.totp_secret, code) if user.totp_secret else None
    if step is not None:
        return _spend_totp_step(user, step)
    wanted = _code_hash(code)
    for row in user.recovery_codes:
        if hmac.compare_digest(row.code_hash, wanted):
            db.session.delete(row)
            audit.record(user, "user.use_recovery_code", "user", user.id)
            db.session.commit()
            return True
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)
    ) or 0
