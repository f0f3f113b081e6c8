"""Admin pages: staff accounts, the audit log and the development mailbox."""
from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign.access import staff
from campaign.admin import bp
from campaign.admin.forms import AuditFilterForm, InviteForm, RolesForm, audit_filter_choices
from campaign.audit import services as audit
from campaign.audit.labels import ACTION_LABELS, TARGET_LABELS
from campaign.auth import services as auth
from campaign.auth.forms import ConfirmForm
from campaign.auth.models import Role, User
from campaign.extensions import db
from campaign.forms import confirmed
from campaign.labels import add_filters
from campaign.mail import services as mail
from campaign.paging import ListPage, paginate

admin_only = staff(Role.ADMIN)

add_filters(bp, audit_action=ACTION_LABELS, audit_target=TARGET_LABELS)


@bp.route("/users")
@admin_only
def users() -> str:
    q = request.args.get("q", "").strip()[:100]
    return render_template("admin/users.html", page=paginate(auth.users_query(q)), q=q, form=ConfirmForm())


@bp.route("/users/invite", methods=["GET", "POST"])
@admin_only
def invite() -> Response | str:
    form = InviteForm()
    if form.validate_on_submit():
        try:
            auth.invite(
                form.email.data or "", [Role(r) for r in form.roles.data or []], current_user, str(get_locale())
            )
        except auth.AuthError as exc:
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            flash(_("Invitation sent."), "info")
            return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user(user_id: int) -> Response | str:
    person = _user_or_404(user_id)
    form = RolesForm(roles=[r.value for r in person.roles])
    if form.validate_on_submit():
        auth.set_roles(person, [Role(r) for r in form.roles.data or []], current_user)
        flash(_("Roles saved."), "info")
        return redirect(url_for("admin.user", user_id=person.id))
    return render_template("admin/user.html", person=person, form=form, confirm=ConfirmForm())


@bp.post("/users/<int:user_id>/<any(disable, enable, revoke, reset_2fa):action>")
@admin_only
def user_action(user_id: int, action: str) -> Response:
    person = _user_or_404(user_id)
    if action == "enable":
        if not ConfirmForm().validate_on_submit():
            abort(400)
    elif not confirmed():
        return redirect(url_for("admin.user", user_id=person.id))
    if person.id == current_user.id and action in {"disable", "revoke"}:
        flash(_("You cannot revoke your own account here."), "error")
        return redirect(url_for("admin.user", user_id=person.id))
    if action == "disable":
        auth.revoke(person, current_user, disable=True)
        flash(_("Access revoked: sessions ended and mailed links voided."), "info")
    elif action == "revoke":
        auth.revoke(person, current_user, disable=False)
        flash(_("Sessions ended and mailed links voided."), "info")
    elif action == "enable":
        auth.enable(person, current_user)
        flash(_("Account enabled."), "info")
    else:
        auth.disable_totp(person, current_user)
        flash(_("Two-factor sign-in reset; they will set it up again at next sign-in."), "info")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/audit")
@admin_only
def audit_log() -> str:
    form = AuditFilterForm(request.args)
    help_desk = current_user.has_role(Role.CASEWORKER)
    # Without the caseworker role the menus do not name help-desk actions either.
    form.action.choices, form.target_type.choices = audit_filter_choices(help_desk)
    filters = audit.AuditFilter(include_help_desk=help_desk)
    if form.validate():
        filters = audit.AuditFilter(
            include_help_desk=help_desk,
            action=form.action.data or "",
            actor_id=form.actor_id.data,
            target_type=form.target_type.data or "",
            target_id=form.target_id.data or "",
            since=form.since.data,
            until=form.until.data,
        )
    return render_template("admin/audit.html", form=form, page=paginate(audit.query(filters)))


@bp.route("/mailbox")
@admin_only
def mailbox() -> str:
    q = request.args.get("q", "").strip()[:100]
    page = ListPage.of(mail.dev_mailbox_search(q))
    messages = [(path.name, _parse(path.read_bytes())) for path in page.items]
    return render_template("admin/mailbox.html", messages=messages, page=page, q=q)


@bp.route("/mailbox/<name>")
@admin_only
def mailbox_message(name: str) -> str:
    files = {path.name: path for path in mail.dev_mailbox()}
    if name not in files:
        abort(404)
    msg = _parse(files[name].read_bytes())
    text = msg.get_body(preferencelist=("plain",))
    return render_template(
        "admin/mail_message.html", name=name, msg=msg, text=text.get_content() if text else ""
    )


def _parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)

