"""Pages of a petition's later life: updates and answers, paper signatures, the delivery PDF,
the embeddable page and its badge, and the organisers' milestone mail switch."""
from __future__ import annotations

import base64
import logging
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from campaign import abuse, i18n
from campaign.access import public, staff
from campaign.auth.models import Role
from campaign.extensions import csrf, db, limiter
from campaign.links import absolute_url
from campaign.petitions import bp, embed, life, milestones, pdf, share
from campaign.petitions import services as petitions
from campaign.petitions.forms import (
    EmbedSignForm,
    PaperImportForm,
    PaperSignatureForm,
    UpdateForm,
    WatchForm,
)
from campaign.petitions.models import Petition
from campaign.security import accepts_files
from campaign.timeutil import org_today

logger = logging.getLogger(__name__)

organisers = staff(Role.ORGANISER, Role.ADMIN)


def _lang() -> str:
    return i18n.locale_code(get_locale())


def _by_id(petition_id: int) -> Petition:
    petition = db.session.get(Petition, petition_id)
    if petition is None:
        abort(404)
    return petition


def _published(slug: str) -> Petition:
    petition = petitions.find_by_slug(slug)
    if petition is None or petition.status == "draft":
        abort(404)
    return petition


# --- updates and the target's answer ------------------------------------------------------------


@bp.route("/staff/petitions/<int:petition_id>/updates", methods=["GET", "POST"])
@organisers
def updates(petition_id: int) -> BaseResponse | str:
    petition = _by_id(petition_id)
    form = UpdateForm()
    if form.validate_on_submit():
        _entry, count = life.post_update(petition, life.UpdateData(
            kind=form.kind.data, title=form.title.data, body=form.body.data, answered_on=form.answered_on.data,
            no_answer_days=form.no_answer_days.data, mail=bool(form.mail.data),
        ), current_user)
        if form.mail.data:
            flash(_("Published. It is being mailed to %(count)d signers who asked for news.", count=count)
                  if count else _("Published. Nobody has asked for this petition's news yet, so no mail was sent."),
                  "info")
        else:
            flash(_("Published on the petition page."), "info")
        return redirect(url_for("petitions.updates", petition_id=petition.id), 303)
    return render_template("petitions/updates.html", petition=petition, form=form,
                           updates=life.updates_of(petition.id), lang=_lang())


# --- paper signatures ---------------------------------------------------------------------------


@bp.route("/staff/petitions/<int:petition_id>/paper", methods=["GET", "POST"])
@organisers
def paper(petition_id: int) -> BaseResponse | str | tuple[str, int]:
    petition = _by_id(petition_id)
    form = PaperSignatureForm()
    if form.validate_on_submit():
        try:
            life.add_paper_signature(petition, life.PaperRow(
                name=form.name.data or "", email=form.email.data or "", region=form.region.data or "",
                signed_on=form.signed_on.data,
            ), current_user)
        except life.PaperDuplicate:
            form.email.errors = [*form.email.errors, _("This email has signed this petition already.")]
        except ValueError:
            form.signed_on.errors = [*form.signed_on.errors, _("The date is in the future.")]
        else:
            flash(_("Paper signature added and counted."), "info")
            return redirect(url_for("petitions.paper", petition_id=petition.id), 303)
        return _paper_page(petition, form, PaperImportForm(formdata=None)), 400
    return _paper_page(petition, form, PaperImportForm(formdata=None))


@bp.post("/staff/petitions/<int:petition_id>/paper/import")
@organisers
@accepts_files("file")
def paper_import(petition_id: int) -> str | tuple[str, int]:
    petition = _by_id(petition_id)
    form = PaperImportForm()
    if not form.validate_on_submit():
        return _paper_page(petition, PaperSignatureForm(formdata=None), form), 400
    raw = form.file.data.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        form.file.errors = [*form.file.errors, _("Save the file as UTF-8 CSV and upload it again.")]
        return _paper_page(petition, PaperSignatureForm(formdata=None), form), 400
    result = life.import_paper_csv(petition, text, current_user)
    db.session.refresh(petition)
    return _paper_page(petition, PaperSignatureForm(formdata=None), PaperImportForm(formdata=None), result)


def _paper_page(petition: Petition, form: PaperSignatureForm, upload: PaperImportForm,
                result: life.PaperImport | None = None) -> str:
    return render_template("petitions/paper.html", petition=petition, form=form, upload=upload, result=result,
                           sources=life.source_counts(petition.id))


@bp.route("/staff/petitions/<int:petition_id>/sheet")
@organisers
def sheet(petition_id: int) -> str:
    """A printable A4 signature sheet in each language the petition is written in, with a QR code
    to the online page."""
    petition = _by_id(petition_id)
    url = absolute_url("petitions.show", slug=petition.slug)
    svg = share.qr_svg(share.tagged(url, "poster"))
    qr = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    versions = life.sheet_versions(petition)
    words = {key: life.sheet_words(versions, key) for key in life.SHEET_WORDS}
    return render_template("petitions/sheet.html", petition=petition, versions=versions, words=words, url=url, qr=qr,
                           lines=range(1, 16))


# --- the delivery PDF ---------------------------------------------------------------------------


@bp.route("/staff/petitions/<int:petition_id>/delivery.pdf")
@organisers
def delivery_pdf(petition_id: int) -> Response | tuple[str, int]:
    """The PDF in one configured language (`?language=`, else the organiser's): its words and the
    petition's text (or its marked fallback)."""
    petition = _by_id(petition_id)
    chosen = i18n.languages().by_any(request.args.get("language"))
    lang = chosen.code if chosen is not None else _lang()
    try:
        with force_locale(lang):
            body = pdf.delivery_pdf({"petition": petition, "lang": lang, "sources": life.source_counts(petition.id),
                                     "made_on": org_today()}, petitions.delivery_rows(petition))
    except pdf.PdfUnavailable:
        logger.warning("delivery PDF asked for, but WeasyPrint cannot run here")
        return render_template("core/message.html", title=_("PDF not available"), message=_(
            "This server cannot make PDFs (WeasyPrint or pango is missing). Use the CSV, or print the "
            "delivery page.")), 503
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{petition.slug}-signatures-{i18n.tag(lang)}.pdf"',
        "Cache-Control": "no-store",
    })


# --- milestones ---------------------------------------------------------------------------------


@bp.post("/staff/petitions/milestone-mail")
@organisers
def milestone_mail() -> BaseResponse:
    form = WatchForm()
    if not form.validate_on_submit():
        abort(400)
    milestones.set_watching(current_user, form.on.data == "1")
    flash(_("Saved."), "info")
    return redirect(url_for("petitions.staff_list"), 303)


# --- embedding ----------------------------------------------------------------------------------


def _framed(body: str | BaseResponse, petition: Petition, status: int = 200) -> BaseResponse:
    response = body if isinstance(body, BaseResponse) else Response(body, status=status, mimetype="text/html")
    response.headers.update(embed.frame_headers(petition.origin_list))
    response.cache_control.no_store = True  # the form carries a fresh token
    return response


def _render_embed(petition: Petition, form: EmbedSignForm) -> str:
    lang = _lang()
    form.embed_token.data = embed.make_token(petition.id)
    return render_template("petitions/embed.html", petition=petition, form=form, lang=lang,
                           full_url=absolute_url("petitions.show", slug=petition.slug))


@bp.route("/embed/petitions/<slug>")
@public
def embed_page(slug: str) -> BaseResponse:
    petition = _published(slug)
    return _framed(_render_embed(petition, EmbedSignForm(formdata=None)), petition)


def _embed_flood(_limit: RequestLimit) -> Response | None:
    """Too many posts from one address (many share one over Tor): say so inside the partner's
    frame, with what was typed, since the site's own error page may not be framed and the
    visitor would see nothing."""
    petition = petitions.find_by_slug((request.view_args or {}).get("slug", ""))
    if petition is None or petition.status == "draft":
        return None
    form = EmbedSignForm()
    form.embed_token.errors = [_("Too many attempts. Please wait and try again.")]
    response = Response(_render_embed(petition, form), status=429, mimetype="text/html")
    _framed(response, petition)
    return response


@bp.post("/embed/petitions/<slug>/sign")
@public
@csrf.exempt  # no session cookie reaches a cross-site frame: the form's own token is checked below
@limiter.limit(abuse.public_form_limit, methods=["POST"], on_breach=_embed_flood)
def embed_sign(slug: str) -> BaseResponse:
    petition = _published(slug)
    form = EmbedSignForm()
    if not form.validate_on_submit():
        return _framed(_render_embed(petition, form), petition, 400)
    try:
        in_time = embed.check_token(form.embed_token.data or "", petition.id)
    except embed.EmbedTokenInvalid:
        form.embed_token.errors = [_("This form has expired. Please fill it in again.")]
        return _framed(_render_embed(petition, form), petition, 400)
    outcome = "new"
    if form.website.data or not in_time:
        logger.info("petition %s: embed honeypot caught a submission", petition.id)
    else:
        try:
            petitions.sign(
                slug, email=form.email.data or "", name=form.name.data or "", region=form.region.data or "",
                comment=form.comment.data or "", display=form.display.data, newsletter=bool(form.newsletter.data),
                updates=bool(form.updates.data), locale=str(get_locale()), src="",
            )
        except petitions.PetitionNotFound:
            abort(404)
        except petitions.PetitionClosed:
            outcome = "closed"
        except petitions.AlreadySigned:
            pass  # the same answer: the page must not tell who has signed (the worker mails them)
    args: dict[str, Any] = {"slug": slug, "signed": outcome}
    chosen = i18n.languages().by_any(request.args.get("lang"))
    if chosen is not None:
        args["lang"] = chosen.tag
    return _framed(redirect(url_for("petitions.embed_thanks", **args), 303), petition)


@bp.route("/embed/petitions/<slug>/thanks")
@public
def embed_thanks(slug: str) -> BaseResponse:
    petition = _published(slug)
    closed = request.args.get("signed") == "closed"
    return _framed(render_template("petitions/embed_thanks.html", petition=petition, lang=_lang(), closed=closed,
                                   full_url=absolute_url("petitions.show", slug=petition.slug)), petition)


@bp.route("/embed/petitions/<slug>/badge.svg")
@public
def badge(slug: str) -> Response:
    """A counter other sites may show as a plain <img>: readable cross-origin, cached briefly."""
    petition = _published(slug)
    svg = embed.badge_svg(petition.signature_count, _("signatures"))
    return Response(svg, mimetype="image/svg+xml", headers={
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Cache-Control": "public, max-age=300",
        "Vary": "Accept-Language",  # the label is in the reader's language
    })
