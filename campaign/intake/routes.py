"""The public questionnaire and status page, and the caseworkers' queue and case pages.

Views stay thin: the keyring comes from the session's unlock (campaign/intake/keyring.py) and is
handed to the services, which do all sealing and opening.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from nacl.public import PrivateKey
from werkzeug.wrappers import Response

from campaign import abuse
from campaign.access import personal, staff
from campaign.auth.models import Role, User
from campaign.extensions import limiter
from campaign.forms import choice_list
from campaign.intake import bp, crypto, keyring
from campaign.intake import services as intake
from campaign.intake.choices import CONTACT, HELP_WANTED, KINDS, PLATFORMS, label
from campaign.intake.crypto import CaseKeyring
from campaign.intake.forms import (
    STATUS_LABELS,
    CaseForm,
    CodeForm,
    HelpForm,
    LockForm,
    NoteForm,
    ReceiptForm,
    SurvivorDeleteForm,
    SurvivorReplyForm,
    TeamReplyForm,
    UnlockForm,
)
from campaign.intake.keyring import team_keyring
from campaign.intake.models import HelpRequest
from campaign.intake.takedowns import services as takedowns
from campaign.links import absolute_url
from campaign.paging import paginate
from campaign.timeutil import org_today

caseworker = staff(Role.CASEWORKER, hide=True)


def _register_label_filters() -> None:
    """Template filters turning stored codes into labels: `r.status|intake_status`."""
    tables = {"kind": KINDS, "platform": PLATFORMS, "help": HELP_WANTED, "contact": CONTACT}
    for name, choices in tables.items():
        bp.add_app_template_filter(lambda code, choices=choices: label(choices, code), f"intake_{name}")
    bp.add_app_template_filter(lambda code: str(STATUS_LABELS.get(code, code)), "intake_status")


_register_label_filters()


def _today() -> date:
    return org_today()


# --- public -----------------------------------------------------------------------------------


@bp.route("/help", methods=["GET", "POST"], endpoint="help")
@personal
# Per visitor address (hashed), only a flood ceiling: over Tor every visitor shares one address.
@limiter.limit(abuse.costly_form_limit, methods=["POST"])
def help_form() -> str | tuple[str, int]:
    form = HelpForm()
    try:
        ring = intake.keyring()
    except intake.NoKey:
        return render_template("intake/unavailable.html"), 503
    if form.validate_on_submit():
        if form.website.data or abuse.too_quick():  # a bot: answer like a success, store nothing
            return _receipt_page(crypto.new_receipt_code())
        answers = intake.Answers(
            kinds=form.kinds.data or [],
            platforms=form.platforms.data or [],
            where=form.where.data or "",
            found_when=form.found_when.data or "",
            help_wanted=form.help_wanted.data or [],
            contact_method=form.contact_method.data or "none",
            contact_detail=(form.contact_detail.data or "").strip() if form.contact_method.data != "none" else "",
            name=(form.name.data or "").strip(),
            details=form.details.data or "",
        )
        _req, code = intake.submit(ring, answers, _today())
        # Rendered in the answer to the POST, never put in a URL, the session or a log.
        return _receipt_page(code)
    return render_template("intake/help.html", form=form, retention_days=current_app.config["INTAKE_RETENTION_DAYS"])


def _receipt_page(code: str) -> str:
    return render_template("intake/receipt.html", code=code, form=ReceiptForm(code=code))


@bp.post("/help/receipt")
@personal
def receipt() -> str:
    """The receipt code shown again, from the form that carries it: as a printable page, or in the
    other language. The code travels in the POST body only, never in an address."""
    form = ReceiptForm()
    code = crypto.normalise_code(form.code.data or "") if form.validate() else None
    if code is None:
        abort(400)
    shown = crypto.grouped_code(code)
    if request.form.get("view") == "print":
        return render_template("intake/receipt_print.html", code=shown, status_url=absolute_url("intake.status"))
    return _receipt_page(shown)


def _status_page(
    req: HelpRequest,
    code_key: PrivateKey,
    code: str,
    reply: SurvivorReplyForm | None = None,
    delete: SurvivorDeleteForm | None = None,
) -> str:
    return render_template(
        "intake/status.html",
        req=req,
        messages=intake.survivor_messages(req, code_key),
        reply_form=reply or SurvivorReplyForm(code=code, formdata=None),
        delete_form=delete or SurvivorDeleteForm(code=code, formdata=None),
    )


def _bad_code(form: CodeForm) -> tuple[str, int]:
    form.code.errors = [*form.code.errors, _("No request matches this code. Check it and try again.")]
    return render_template("intake/status_login.html", form=form), 404


@bp.route("/help/status", methods=["GET", "POST"])
@personal
@limiter.limit(abuse.costly_form_limit, methods=["POST"])
def status() -> str | tuple[str, int]:
    form = CodeForm()
    if form.validate_on_submit():
        try:
            req, code_key = intake.find_by_code(form.code.data or "")
        except intake.BadCode:
            return _bad_code(form)
        return _status_page(req, code_key, form.code.data or "")
    return render_template("intake/status_login.html", form=form)


@bp.route("/help/status/reply", methods=["POST"])
@personal
@limiter.limit(abuse.costly_form_limit)
def status_reply() -> str | tuple[str, int]:
    form = SurvivorReplyForm()
    try:
        req, code_key = intake.find_by_code(form.code.data or "")
    except intake.BadCode:
        return _bad_code(CodeForm(formdata=None))
    if not form.validate_on_submit():
        return _status_page(req, code_key, form.code.data or "", reply=form), 400
    intake.survivor_reply(intake.keyring(), req, form.text.data or "", _today())
    flash(_("Your message was sent. It is encrypted; only the team can read it."), "info")
    return _status_page(req, code_key, form.code.data or "")


@bp.route("/help/status/delete", methods=["POST"])
@personal
@limiter.limit(abuse.costly_form_limit)
def status_delete() -> str | tuple[str, int]:
    form = SurvivorDeleteForm()
    try:
        req, code_key = intake.find_by_code(form.code.data or "")
    except intake.BadCode:
        return _bad_code(CodeForm(formdata=None))
    if not form.validate_on_submit():
        return _status_page(req, code_key, form.code.data or "", delete=form), 400
    intake.survivor_delete(req)
    return render_template("intake/deleted.html")


# --- caseworkers ------------------------------------------------------------------------------


def _ring_or_setup() -> CaseKeyring | None:
    try:
        return team_keyring()
    except intake.NoKey:
        return None


@bp.route("/cases")
@caseworker
def queue() -> str:
    ring = _ring_or_setup()
    status_filter = request.args.get("status", "")
    if status_filter not in STATUS_LABELS:
        status_filter = ""
    mine = current_user if request.args.get("mine") else None
    key = intake.active_key()
    return render_template(
        "intake/queue.html",
        ring=ring,
        demo_key=key is not None and key.is_demo,
        page=paginate(intake.queue_query(status_filter, mine)) if ring else None,
        status_filter=status_filter,
        mine=bool(mine),
        today=_today(),
        lock_form=LockForm(),
    )


@bp.route("/cases/unlock", methods=["GET", "POST"])
@caseworker
@limiter.limit("10 per 15 minutes", methods=["POST"])
def unlock() -> Response | str | tuple[str, int]:
    form = UnlockForm()
    if form.validate_on_submit():
        try:
            ring = intake.unlock(form.passphrase.data or "", _user())
        except intake.NoKey:
            abort(404)
        except crypto.WrongPassphrase:
            form.passphrase.errors = [_("That passphrase does not unlock the key.")]
            return render_template("intake/unlock.html", form=form), 401
        keyring.hold(ring)
        flash(_("Unlocked. The key stays usable until you lock it, sign out or stay idle."), "info")
        return redirect(url_for("intake.queue"))
    return render_template("intake/unlock.html", form=form)


@bp.route("/cases/lock", methods=["POST"])
@caseworker
def lock() -> Response:
    if LockForm().validate_on_submit():
        keyring.release()
        flash(_("Locked. Decrypted details are no longer shown."), "info")
    return redirect(url_for("intake.queue"))


def _case_or_404(request_id: int) -> HelpRequest:
    req = intake.get(request_id)
    if req is None:
        abort(404)
    return req


def _case_form(req: HelpRequest, formdata: bool = False) -> CaseForm:
    form = CaseForm() if formdata else CaseForm(
        formdata=None, status=req.status, assignee=str(req.assignee_id or ""),
        tags=", ".join(req.tag_list), remind_on=req.remind_on,
    )
    form.assignee.choices = choice_list([("", _("Nobody"))] + [
        (str(u.id), u.display_name or u.email) for u in intake.caseworkers()
    ])
    return form


def _case_page(req: HelpRequest, status_code: int = 200, **forms: Any) -> tuple[str, int]:
    ring = team_keyring()
    view = intake.open_case(ring, req, current_user)
    page = render_template(
        "intake/case.html",
        view=view,
        ring=ring,
        lock_form=LockForm(),
        case_form=forms.get("case_form") or _case_form(req),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        reply_form=forms.get("reply_form") or TeamReplyForm(formdata=None),
        takedown_rows=takedowns.readable(ring, takedowns.listing(request_id=req.id), current_user),
    )
    return page, status_code


@bp.route("/cases/<int:request_id>")
@caseworker
def case(request_id: int) -> tuple[str, int]:
    return _case_page(_case_or_404(request_id))


@bp.route("/cases/<int:request_id>/update", methods=["POST"])
@caseworker
def case_update(request_id: int) -> Response | tuple[str, int]:
    req = _case_or_404(request_id)
    form = _case_form(req, formdata=True)
    if form.validate_on_submit():
        try:
            intake.update_case(
                req,
                _user(),
                status=form.status.data,
                assignee_id=int(form.assignee.data) if form.assignee.data else None,
                tags=form.tags.data or "",
                remind_on=form.remind_on.data,
                today=_today(),
            )
        except intake.NotCaseworker:
            form.assignee.errors = [_("Cases can only be assigned to caseworkers.")]
        else:
            flash(_("Case updated."), "info")
            return redirect(url_for("intake.case", request_id=req.id))
    return _case_page(req, 400, case_form=form)


@bp.route("/cases/<int:request_id>/note", methods=["POST"])
@caseworker
def case_note(request_id: int) -> Response | tuple[str, int]:
    req = _case_or_404(request_id)
    form = NoteForm()
    if form.validate_on_submit():
        intake.add_note(team_keyring(), req, _user(), form.text.data or "", _today())
        flash(_("Note added."), "info")
        return redirect(url_for("intake.case", request_id=req.id))
    return _case_page(req, 400, note_form=form)


@bp.route("/cases/<int:request_id>/message", methods=["POST"])
@caseworker
def case_message(request_id: int) -> Response | tuple[str, int]:
    req = _case_or_404(request_id)
    form = TeamReplyForm()
    if form.validate_on_submit():
        intake.team_reply(team_keyring(), req, _user(), form.text.data or "", _today())
        flash(_("Message sent. The person reads it with their receipt code."), "info")
        return redirect(url_for("intake.case", request_id=req.id))
    return _case_page(req, 400, reply_form=form)


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]
