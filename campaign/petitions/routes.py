"""Petition pages: public signing and confirming, and the organisers' pages."""
from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_template,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from campaign import abuse, i18n
from campaign.access import personal, public, staff
from campaign.auth.models import Role
from campaign.exports import csv_stream
from campaign.extensions import db, limiter
from campaign.forms import shown_again
from campaign.labels import add_filters, label
from campaign.links import absolute_url
from campaign.paging import paginate
from campaign.petitions import bp, milestones, page, share
from campaign.petitions import services as petitions
from campaign.petitions.forms import (
    ActionForm,
    ConfirmSignatureForm,
    PetitionForm,
    SignatureFilterForm,
    SignForm,
    WatchForm,
    WithdrawForm,
)
from campaign.petitions.labels import (
    CHANNEL_LABELS,
    DISPLAY_LABELS,
    PETITION_STATUS_LABELS,
    SIGNATURE_STATUS_LABELS,
    SOURCE_LABELS,
    UPDATE_KIND_LABELS,
)
from campaign.petitions.models import TRANSLATED, Petition, Signature

logger = logging.getLogger(__name__)

organisers = staff(Role.ORGANISER, Role.ADMIN)
add_filters(bp, petition_status=PETITION_STATUS_LABELS, signature_status=SIGNATURE_STATUS_LABELS,
            share_channel=CHANNEL_LABELS, name_display=DISPLAY_LABELS, update_kind=UPDATE_KIND_LABELS,
            signature_source=SOURCE_LABELS)



@bp.app_context_processor
def _home_globals() -> dict[str, Any]:
    # Called by petitions/_home.html on the home page only: a function, so other pages pay nothing.
    return {"open_petitions": petitions.open_petitions}


def _lang() -> str:
    return i18n.locale_code(get_locale())


def _petition_or_404(slug: str, drafts: bool = False) -> Petition:
    petition = petitions.find_by_slug(slug)
    if petition is None or (petition.status == "draft" and not drafts):
        abort(404)
    return petition


def _public_url(petition: Petition) -> str:
    return absolute_url("petitions.show", slug=petition.slug)


# --- public -------------------------------------------------------------------------------------


@bp.route("/petitions/<slug>")
@public
def show(slug: str) -> Response | str:
    src = request.args.get("src", "")
    src = src if src in petitions.CHANNELS else ""
    if page.cacheable(SHOW_ARGS):
        # The rush path: the rendered page reused, the count filled in (petitions/page.py).
        return page.show(slug, src)
    # Organisers may preview a draft; everyone else gets 404 until it is published.
    preview = current_user.is_authenticated and current_user.has_role(Role.ORGANISER, Role.ADMIN)
    petition = _petition_or_404(slug, drafts=preview)
    return _render_petition(petition, SignForm(src=src))


def _render_petition(petition: Petition, form: SignForm) -> str:
    return page.render_full(petition, form, _lang())


@bp.post("/petitions/<slug>/sign")
@public
@limiter.limit(abuse.public_form_limit, methods=["POST"])
def sign(slug: str) -> BaseResponse | tuple[str, int]:
    form = SignForm()
    if not form.validate_on_submit():
        return _render_petition(_petition_or_404(slug), form), 400
    if form.website.data or abuse.too_quick():
        # The honeypot was filled in, or the form came back faster than a person types: a bot.
        # Answer as if all went well; save nothing.
        logger.info("petition %s: honeypot caught a submission", slug)
        return _after_signing(slug, "new")
    try:
        petitions.sign(
            slug,
            email=form.email.data or "",
            name=form.name.data or "",
            region=form.region.data or "",
            comment=form.comment.data or "",
            display=form.display.data,
            newsletter=bool(form.newsletter.data),
            updates=bool(form.updates.data),
            locale=str(get_locale()),
            src=form.src.data or "",
        )
    except petitions.PetitionNotFound:
        abort(404)
    except petitions.PetitionClosed:
        return _after_signing(slug, "closed")
    except petitions.AlreadySigned:
        # The same answer as a first signature: the page must not tell who has signed. The
        # worker mails the address instead (the link again, or "you have signed already").
        return _after_signing(slug, "new")
    return _after_signing(slug, "new")


def _after_signing(slug: str, outcome: str) -> BaseResponse:
    # The outcome travels in the address, not in a flash message: writing the session cookie
    # was a sizeable share of a signature's cost (bench/signing.py).
    return redirect(url_for("petitions.thanks", slug=slug, signed=outcome), 303)


SIGNED_MESSAGES = {
    "new": _l("Thank you! Please check your mail and follow the link to confirm your signature."),
    "closed": _l("This petition is closed and no longer takes signatures."),
}
# The query strings a kept page is shared for, besides `lang` (petitions/page.py).
SHOW_ARGS: dict[str, Collection[str]] = {"src": petitions.CHANNELS}
THANKS_ARGS: dict[str, Collection[str]] = {"signed": frozenset(SIGNED_MESSAGES)}


def serve_rush(app: Flask) -> None:
    """The petitions feature's setup: kept pages answered before Flask (page.RushPath)."""
    page.serve_rush(app, SHOW_ARGS, THANKS_ARGS)


@bp.route("/petitions/<slug>/thanks")
@public
def thanks(slug: str) -> Response | str:
    if page.cacheable(THANKS_ARGS):
        return page.thanks(slug, _render_thanks)
    petition = _petition_or_404(slug)
    return _render_thanks(petition, {"count_text": f"{petition.signature_count:,}"})


def _render_thanks(petition: Petition, values: dict[str, Any]) -> str:
    lang = _lang()
    url = _public_url(petition)
    text = petition.text("share_text", lang) or petition.text("title", lang)
    labels = {code: label(CHANNEL_LABELS, code) for code in ("weibo", "telegram", "x", "whatsapp", "email")}
    return render_template(
        "petitions/thanks.html",
        petition=petition,
        lang=lang,
        message=SIGNED_MESSAGES.get(request.args.get("signed", "")),
        links=share.share_links(url, text, labels),
        copy_url=share.tagged(url, "link"),
        **values,
    )


@bp.route("/petitions/<slug>.json")
@public
def as_json(slug: str) -> Response:
    petition = _petition_or_404(slug)
    return jsonify(count=petition.signature_count, goal=petition.goal, status=petition.status,
                   open=petition.is_open)


@bp.route("/petitions/<slug>/wechat.svg")
@public
def wechat_qr(slug: str) -> Response:
    petition = _petition_or_404(slug)
    svg = share.qr_svg(share.tagged(_public_url(petition), "wechat"))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


@bp.route("/petitions/<slug>/poster.<any(png, svg):fmt>")
@public
def poster(slug: str, fmt: str) -> Response:
    petition = _petition_or_404(slug)
    lang = _lang()
    args = (
        petition.text("title", lang),
        petition.text("summary", lang),
        share.tagged(_public_url(petition), "poster"),
        _("Scan to sign"),
        current_app.config["ORG_NAME"],
    )
    headers = {"Content-Disposition": f'inline; filename="{petition.slug}-{lang}.{fmt}"'}
    if fmt == "png":
        return Response(share.poster_png(*args), mimetype="image/png", headers=headers)
    return Response(share.poster_svg(*args), mimetype="image/svg+xml", headers=headers)


@bp.route("/petition-confirm/<token>", methods=["GET", "POST"])
@personal
def confirm(token: str) -> BaseResponse | str | tuple[str, int]:
    try:
        signature = petitions.signature_from_token(petitions.CONFIRM_PURPOSE, token)
    except petitions.LinkInvalid:
        return _link_invalid(_("This confirmation link is invalid or has expired (links last %(days)d days). "
                               "Please sign again.", days=petitions.CONFIRM_DAYS))
    petition = _by_id(signature.petition_id)
    form = ConfirmSignatureForm()
    # Confirming takes a button press: mail scanners that open links must not sign for anyone.
    if form.validate_on_submit():
        if petitions.confirm(signature):
            flash(_("Your signature is confirmed and counted. Thank you!"), "info")
        else:
            flash(_("Your signature was already confirmed. Thank you!"), "info")
        return redirect(url_for("petitions.thanks", slug=petition.slug), 303)
    return render_template("petitions/confirm.html", petition=petition, signature=signature, form=form, lang=_lang())


@bp.route("/petition-withdraw/<token>", methods=["GET", "POST"])
@personal
def withdraw(token: str) -> BaseResponse | str | tuple[str, int]:
    try:
        signature = petitions.signature_from_token(petitions.WITHDRAW_PURPOSE, token)
    except petitions.LinkInvalid:
        return _link_invalid(_("This link is invalid, or the signature has already been withdrawn."))
    petition = _by_id(signature.petition_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        petitions.withdraw(signature)
        flash(_("Your signature and the data you gave with it have been deleted."), "info")
        return redirect(url_for("petitions.show", slug=petition.slug) if petition.status != "draft"
                        else url_for("core.index"), 303)
    return render_template("petitions/withdraw.html", petition=petition, form=form, lang=_lang())


def _link_invalid(message: str) -> tuple[str, int]:
    return render_template("core/message.html", title=_("Link not valid"), message=message), 400


# --- organisers ---------------------------------------------------------------------------------


def _by_id(petition_id: int) -> Petition:
    petition = db.session.get(Petition, petition_id)
    if petition is None:
        abort(404)
    return petition


@bp.route("/staff/petitions")
@organisers
def staff_list() -> str:
    return render_template("petitions/staff_list.html", petitions=petitions.all_petitions(), translated=TRANSLATED,
                           watching=milestones.watching(current_user), watch=WatchForm())


@bp.route("/staff/petitions/new", methods=["GET", "POST"])
@organisers
def create() -> BaseResponse | str:
    return _edit(None)


@bp.route("/staff/petitions/<int:petition_id>/edit", methods=["GET", "POST"])
@organisers
def edit(petition_id: int) -> BaseResponse | str:
    return _edit(_by_id(petition_id))


def _edit(petition: Petition | None) -> BaseResponse | str:
    form = PetitionForm(obj=petition)
    if petition is not None and request.method == "GET":
        form.milestones.data = ", ".join(str(m) for m in petition.milestone_list)
    if form.is_submitted() and form.preview.data:
        # Re-render the editor with what was typed and the texts as they will read; save nothing.
        form.validate()
        shown_again()
        texts = {name: getattr(form, name).data for name in TRANSLATED}
        return render_template("petitions/edit.html", form=form, petition=petition, preview=petitions.preview(texts))
    if form.validate_on_submit():
        fields: dict[str, Any] = {name: getattr(form, name).data for name in ("slug", "status", "goal", "closes_on")}
        fields["milestones"] = form.milestones.data or ""
        fields["embed_origins"] = form.origins()
        fields.update({name: getattr(form, name).data for name in TRANSLATED})
        try:
            saved = petitions.save_petition(petition, fields, current_user)
        except petitions.SlugTaken:
            form.slug.errors = [*form.slug.errors, _("Another petition already uses this address.")]
        else:
            flash(_("Petition saved."), "info")
            return redirect(url_for("petitions.edit", petition_id=saved.id))
    return render_template("petitions/edit.html", form=form, petition=petition)


@bp.route("/staff/petitions/<int:petition_id>/signatures")
@organisers
def signatures(petition_id: int) -> str:
    petition = _by_id(petition_id)
    form = SignatureFilterForm(request.args)
    filters = petitions.SignatureFilter()
    if form.validate():
        filters = petitions.SignatureFilter(
            q=form.q.data or "", status=form.status.data or "", region=form.region.data or "",
            src=form.src.data or "", hidden=form.hidden.data or "",
        )
    return render_template(
        "petitions/signatures.html", petition=petition, form=form,
        page=paginate(petitions.signature_query(petition, filters)), action=ActionForm(),
        channels=petitions.channel_counts(petition),
    )


@bp.post(
    "/staff/petitions/<int:petition_id>/signatures/<int:signature_id>"
    "/<any(hide, show):action>/<any(signature, comment):part>"
)
@organisers
def set_hidden(petition_id: int, signature_id: int, action: str, part: str) -> BaseResponse:
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.petition_id != petition_id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    petitions.set_hidden(signature, part, action == "hide", current_user)
    flash(_("Saved."), "info")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("petitions.signatures", petition_id=petition_id))


@bp.route("/staff/petitions/<int:petition_id>/delivery")
@organisers
def delivery(petition_id: int) -> Response:
    petition = _by_id(petition_id)
    return Response(stream_with_context(stream_template(
        "petitions/delivery.html", petition=petition, rows=petitions.delivery_rows(petition), lang=_lang(),
        action=ActionForm(),
    )))


@bp.route("/staff/petitions/<int:petition_id>/delivery.csv")
@organisers
def delivery_csv(petition_id: int) -> Response:
    petition = _by_id(petition_id)
    header = ["#", _("Name"), _("Region"), _("Date")]
    total = [_("Total"), petition.signature_count, "", ""]

    def rows() -> Any:
        yield from petitions.delivery_rows(petition)
        yield total

    return _csv(f"{petition.slug}-signatures.csv", header, rows())


@bp.post("/staff/petitions/<int:petition_id>/export-full.csv")
@organisers
def export_full(petition_id: int) -> Response:
    petition = _by_id(petition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    petitions.record_full_export(petition, current_user)
    header = [_("Email"), _("Name"), _("Shown as"), _("Region"), _("Comment"), _("Channel"),
              _("Confirmed"), _("Newsletter"), _("Source")]
    return _csv(f"{petition.slug}-full.csv", header, petitions.full_export_rows(petition))


def _csv(filename: str, header: list[str], rows: Any) -> Response:
    return Response(
        stream_with_context(csv_stream(header, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
