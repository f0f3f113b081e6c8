"""Sign-in (password, then a second factor), sign-out, invitations and the account page."""
from __future__ import annotations

from flask import after_this_request, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from campaign import sessions
from campaign.access import personal, staff
from campaign.auth import bp
from campaign.auth import services as auth
from campaign.auth.forms import CodeForm, ConfirmForm, LoginForm, SetPasswordForm
from campaign.auth.labels import ROLE_LABELS
from campaign.auth.models import User
from campaign.auth.throttle import account_key, failed_attempt, known_device, remember_device
from campaign.extensions import db, limiter
from campaign.labels import add_filters
from campaign.security import safe_next

_PENDING = "pending_user"  # "id:session_version" between the password and the second factor

add_filters(bp, role_label=ROLE_LABELS)


def _finish_login(user: User) -> Response:
    sessions.end(session.get(sessions.COOKIE_KEY), "replaced")
    session.clear()  # a fresh cookie for the signed-in session (no fixation)
    session[sessions.COOKIE_KEY] = sessions.start(sessions.STAFF, user.id)
    login_user(user)
    session.permanent = True  # expires after SESSION_IDLE_MINUTES without activity
    auth.record_login(user)
    email = user.email

    @after_this_request
    def _remember(response: Response) -> Response:
        remember_device(response, email)
        return response

    return redirect(safe_next(request.args.get("next")) or url_for("core.staff_home"))


def _pending_user() -> User | None:
    ident = session.get(_PENDING, "")
    user_id, _sep, version = ident.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active or str(user.session_version) != version:
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
@personal
# Per visitor (any account), except from a browser the typed account signed in from before; and
# per (account, visitor). No limit is per account alone: a stranger cannot lock the owner out.
@limiter.limit("50 per 15 minutes", methods=["POST"], deduct_when=failed_attempt, exempt_when=known_device)
@limiter.limit("10 per 15 minutes", key_func=account_key, methods=["POST"], deduct_when=failed_attempt)
def login() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for("core.staff_home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = auth.check_password(form.email.data or "", form.password.data or "")
        if user is None:
            flash(_("That email and password do not match an active account."), "error")
            return render_template("auth/login.html", form=form), 401
        if user.totp_enabled or user.needs_two_factor:
            session[_PENDING] = f"{user.id}:{user.session_version}"
            step = "auth.verify" if user.totp_enabled else "auth.enrol"
            return redirect(url_for(step, next=request.args.get("next")))
        return _finish_login(user)
    return render_template("auth/login.html", form=form)


@bp.route("/login/verify", methods=["GET", "POST"])
@personal
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=failed_attempt)
def verify() -> Response | tuple[str, int] | str:
    user = _pending_user()
    if user is None or not user.totp_enabled:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if auth.second_factor_ok(user, form.code.data or ""):
            return _finish_login(user)
        flash(_("That code is not right. Try the newest code from your app."), "error")
        return render_template("auth/verify.html", form=form), 401
    return render_template("auth/verify.html", form=form)


def _enrol_page(user: User, form: CodeForm, status: int = 200) -> tuple[str, int]:
    secret = auth.enrolment_secret(user)
    return render_template(
        "auth/enrol.html", form=form, secret=secret, qr_svg=auth.provisioning_svg(user, secret)
    ), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@personal
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=failed_attempt)
def enrol() -> Response | tuple[str, int]:
    """Set up the authenticator app, during sign-in (when required) or from the account page."""
    user = current_user if current_user.is_authenticated else _pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    if user.totp_enabled:
        return redirect(url_for("auth.account"))
    form = CodeForm()
    if form.validate_on_submit():
        codes = auth.finish_enrolment(user, form.code.data or "")
        if codes is None:
            flash(_("That code is not right. Check the time on your phone and try again."), "error")
            return _enrol_page(user, form, 401)
        if not current_user.is_authenticated:
            _finish_login(user)
        return render_template("auth/recovery_codes.html", codes=codes), 200
    return _enrol_page(user, form)


@bp.route("/logout", methods=["GET", "POST"])
@personal
def logout() -> Response | str:
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        sessions.end(session.get(sessions.COOKIE_KEY), "signout")
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
        return redirect(url_for("core.index"))
    if not current_user.is_authenticated:
        return redirect(url_for("core.index"))
    return render_template("auth/logout.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@personal
def accept_invite(token: str) -> Response | tuple[str, int] | str:
    try:
        user = auth.user_for_invite(token)
    except auth.InviteInvalid as exc:
        return render_template("core/message.html", title=_("Invitation"), message=str(exc)), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        auth.set_password(user, form.password.data or "")
        flash(_("Your password is set. Please sign in."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, email=user.email)


@bp.route("/account", methods=["GET", "POST"])
@staff()
def account() -> Response | str:
    form = SetPasswordForm()
    if form.validate_on_submit():
        auth.set_password(current_user, form.password.data or "")
        flash(_("Your password is changed. Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    return render_template(
        "auth/account.html", form=form, codes_left=auth.recovery_codes_left(current_user)
    )
