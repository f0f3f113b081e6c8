"""Newsletter pages: sign-up, preferences, one-click unsubscribe, archive, and the staff composer."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from campaign import abuse
from campaign.access import personal, public, staff
from campaign.auth.forms import ConfirmForm
from campaign.auth.models import Role, User
from campaign.extensions import csrf, limiter
from campaign.forms import choice_list, confirmed
from campaign.i18n import LANGUAGE_LABELS, languages, locale_code
from campaign.labels import add_filters
from campaign.links import absolute_url
from campaign.newsletter import bp, compose, dispatch, segments, services
from campaign.newsletter.forms import (
    ImportForm,
    IssueForm,
    PreferencesForm,
    ScheduleForm,
    SubscribeForm,
    SubscriberSearchForm,
    TemplateChoiceForm,
    TemplateForm,
    TestSendForm,
)
from campaign.newsletter.labels import ISSUE_STATUS_LABELS, SUBSCRIBER_STATUS_LABELS, subscriber_source
from campaign.newsletter.models import ImportJob, Issue, IssueStatus
from campaign.paging import paginate
from campaign.security import accepts_files
from campaign.timeutil import from_org, to_org

organisers = staff(Role.ORGANISER, Role.ADMIN)
add_filters(bp, issue_status=ISSUE_STATUS_LABELS, subscriber_status=SUBSCRIBER_STATUS_LABELS,
            subscriber_language=LANGUAGE_LABELS)
bp.add_app_template_filter(subscriber_source)

# The preview shows the mail itself, whose styles are inline (mail clients need them).
_PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'"


# --- public -----------------------------------------------------------------------------------


@bp.route("/subscribe", methods=["GET", "POST"])
@personal
@limiter.limit(abuse.public_form_limit, methods=["POST"])
def subscribe() -> BaseResponse | str:
    form = SubscribeForm()
    if request.method == "GET":
        form.language.data = str(get_locale())
    if form.validate_on_submit():
        services.request_subscription(
            form.email.data or "", form.name.data or "", form.language.data, form.topics.data or []
        )
        return render_template("newsletter/check_mail.html")
    return render_template("newsletter/subscribe.html", form=form)


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
@personal
def confirm(token: str) -> BaseResponse | str:
    # GET only shows a button: link scanners that follow every link must not confirm anyone.
    form = ConfirmForm()
    try:
        services.read_confirm_token(token)
        if form.validate_on_submit():
            services.confirm(token)
            return render_template("newsletter/confirmed.html", token=None)
    except services.LinkInvalid as exc:
        return render_template("newsletter/link_invalid.html", message=str(exc)), 400  # type: ignore[return-value]
    return render_template("newsletter/confirm.html", form=form)


@bp.route("/newsletter/preferences/<token>", methods=["GET", "POST"])
@personal
def preferences(token: str) -> BaseResponse | str:
    if services.contact_for_link(token) is not None:
        # A contact (a volunteer who agreed to be mailed) has no newsletter preferences, only this.
        return redirect(url_for("newsletter.unsubscribe", token=token))
    try:
        subscriber = services.subscriber_for_link(token)
        leaving = services.leaving_for_link(token)
    except services.LinkInvalid as exc:
        return render_template("newsletter/link_invalid.html", message=str(exc)), 400  # type: ignore[return-value]
    # Reached from mail to one petition's news: "unsubscribe from the newsletter" here means the list.
    leave_all = leaving.everything_token if leaving else token
    form = PreferencesForm(
        language=subscriber.locale, topics=[t for t in subscriber.topics.split(",") if t]
    )
    if form.validate_on_submit():
        services.update_preferences(token, form.language.data, form.topics.data or [])
        flash(_("Your preferences are saved."), "info")
        return redirect(url_for("newsletter.preferences", token=token))
    return render_template("newsletter/preferences.html", form=form, subscriber=subscriber, token=token,
                           leave_all=leave_all)


@bp.route("/newsletter/unsubscribe/<token>", methods=["GET", "POST"])
@personal
@csrf.exempt
def unsubscribe(token: str) -> tuple[str, int] | str:
    """RFC 8058: a POST (urlencoded or multipart, no cookie or CSRF token) unsubscribes and answers
    200 with no redirect; a GET only shows the button, since scanners follow links in mail."""
    contact = services.contact_for_link(token) is not None
    try:
        # From mail to one petition's news (say): the link leaves that alone, not the whole list.
        leaving = None if contact else services.leaving_for_link(token)
        if request.method == "POST":
            services.unsubscribe(token)
            return render_template("newsletter/unsubscribed.html", token=token, contact=contact, leaving=leaving)
        subscriber = None if contact else services.subscriber_for_link(token)
    except services.LinkInvalid as exc:
        return render_template("newsletter/link_invalid.html", message=str(exc)), 400
    return render_template("newsletter/unsubscribe.html", subscriber=subscriber, token=token, contact=contact,
                           leaving=leaving)


@bp.route("/newsletter/archive")
@public
def archive() -> str:
    return render_template("newsletter/archive.html", issues=services.archive())


FEED_SIZE = 20


@bp.route("/newsletter/feed/<lang>.xml")
@public
def feed(lang: str) -> BaseResponse:
    """An Atom feed of the public archive, one per configured language (a path such as
    feed/zh-Hant.xml, not ?lang=, which would set a cookie): the published issues' text with no
    one's name in it, each in that language or its fallback, marked with xml:lang. Shared caches
    may keep it for ten minutes; a reader asking again with If-None-Match / If-Modified-Since
    gets 304."""
    language = languages().by_any(lang)
    if language is None:
        abort(404)
    issues = services.archive()[:FEED_SIZE]
    entries: list[dict[str, Any]] = []
    for issue in issues:
        subject, text = compose.texts(issue, language.code)
        entries.append({
            "id": absolute_url("newsletter.archive_issue", issue_id=issue.id),
            "title": subject,
            "updated": issue.finished_at or issue.updated_at,
            "html": str(compose.archive_html(text)),
            "lang": text.tag,
        })
    updated: datetime | None = max((cast(datetime, e["updated"]) for e in entries), default=None)
    with force_locale(language.code):
        body = render_template(
            "newsletter/feed.xml", entries=entries, updated=updated or datetime(2000, 1, 1),
            self_url=absolute_url("newsletter.feed", lang=language.tag),
            archive_url=absolute_url("newsletter.archive", lang=language.tag),
            lang=language.tag,
        )
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=600"
    if updated is not None:
        response.last_modified = updated.replace(tzinfo=UTC)
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/newsletter/archive/<int:issue_id>")
@public
def archive_issue(issue_id: int) -> str:
    try:
        issue = services.published_issue(issue_id)
    except services.NewsletterError:
        abort(404)
    subject, body = compose.texts(issue, str(get_locale()))
    return render_template(
        "newsletter/archive_issue.html", issue=issue, subject=subject, body=body, content=compose.archive_html(body)
    )


# --- staff ------------------------------------------------------------------------------------


def _issue_or_404(issue_id: int) -> Issue:
    try:
        return services.get_issue(issue_id)
    except services.NewsletterError:
        abort(404)


def _issue_data(form: IssueForm) -> services.IssueData:
    return services.IssueData(
        subject=form.subject.data, body=form.body.data, topics=form.topics.data or [],
        languages=form.languages.data or [], segment=form.segment.data or "",
    )


def _count_message(count: int) -> str:
    return ngettext("%(num)d person would receive this issue now.",
                    "%(num)d people would receive this issue now.", count)


def _composer(form: IssueForm, issue: Issue | None) -> str:
    """The composer; after "Count recipients", with the count of what is typed (nothing saved)."""
    count = services.count_for(_issue_data(form), current_user) if form.count.data else None
    choice = None
    if issue is None:
        choices = [(t.id, t.name) for t in services.templates()]
        if choices:
            choice = TemplateChoiceForm(request.args if "template" in request.args else None)
            choice.template.choices = choices
    return render_template("newsletter/issue_form.html", form=form, issue=issue, count=count,
                           count_message=_count_message(count) if count is not None else "",
                           template_form=choice)


@bp.route("/staff/newsletter/audience.json")
@organisers
def audience_count() -> Response:
    """The composer's live count (static/js/newsletter-count.js) as the audience choice changes."""
    form = IssueForm(request.args, segment_options=segments.options(current_user), meta={"csrf": False})
    count = services.count_for(_issue_data(form), current_user)
    response = jsonify(count=count, message=_count_message(count))
    return response


@bp.route("/staff/newsletter")
@organisers
def staff_index() -> str:
    return render_template(
        "newsletter/staff_index.html",
        issues=services.issues(request.args.get("status", "")),
        counts=services.status_counts(),
    )


@bp.route("/staff/newsletter/issues/new", methods=["GET", "POST"])
@organisers
def issue_new() -> BaseResponse | str:
    start = None
    if request.method == "GET" and request.args.get("template", "").isdigit():
        try:
            start = services.template_data(int(request.args["template"]))
        except services.NewsletterError as exc:
            flash(str(exc), "error")
    form = IssueForm(segment_options=segments.options(current_user), obj=start)
    if not form.count.data and form.validate_on_submit():
        issue = services.create_issue(_issue_data(form), current_user)
        flash(_("Draft saved."), "info")
        return redirect(url_for("newsletter.issue_page", issue_id=issue.id))
    return _composer(form, None)


@bp.route("/staff/newsletter/issues/<int:issue_id>/edit", methods=["GET", "POST"])
@organisers
def issue_edit(issue_id: int) -> BaseResponse | str:
    issue = _issue_or_404(issue_id)
    form = IssueForm(
        segment_options=segments.options(current_user),
        data={
            "subject": issue.subject, "body": issue.body, "segment": issue.segment,
            "topics": [t for t in issue.topics.split(",") if t],
            "languages": [x for x in issue.languages.split(",") if x],
        },
    )
    if not form.count.data and form.validate_on_submit():
        try:
            services.update_issue(issue.id, _issue_data(form))
        except services.NewsletterError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Draft saved."), "info")
        return redirect(url_for("newsletter.issue_page", issue_id=issue.id))
    return _composer(form, issue)


@bp.route("/staff/newsletter/issues/<int:issue_id>")
@organisers
def issue_page(issue_id: int) -> str:
    issue = _issue_or_404(issue_id)
    editable = issue.status in services.EDITABLE
    audience = services.audience_count(issue, current_user) if editable else None
    return render_template(
        "newsletter/issue.html",
        issue=issue,
        editable=editable,
        audience=audience,
        count_message=_count_message(audience) if audience is not None else "",
        progress=dispatch.progress(issue.id),
        report=services.report(issue.id),
        segment_label=segments.label(issue.segment, current_user) if issue.segment else "",
        test_form=TestSendForm(),
        template_form=TemplateForm(),
        schedule_form=_schedule_form(issue),
        action_form=ConfirmForm(),
        live=issue.status == IssueStatus.SENDING.value,
    )


@bp.route("/staff/newsletter/issues/<int:issue_id>/progress.json")
@organisers
def issue_progress(issue_id: int) -> Response:
    issue = _issue_or_404(issue_id)
    return jsonify(status=issue.status, pause_reason=issue.pause_reason, **dispatch.progress(issue.id).as_dict())


@bp.route("/staff/newsletter/issues/<int:issue_id>/preview")
@organisers
def issue_preview(issue_id: int) -> Response:
    _issue_or_404(issue_id)
    locale = locale_code(request.args.get("locale"))
    response = Response(services.preview_html(issue_id, locale), mimetype="text/html")
    response.headers["Content-Security-Policy"] = _PREVIEW_CSP
    return response


@bp.route("/staff/newsletter/issues/<int:issue_id>/test", methods=["POST"])
@organisers
def issue_test(issue_id: int) -> BaseResponse:
    _issue_or_404(issue_id)
    form = TestSendForm()
    if form.validate_on_submit():
        count = services.test_send(issue_id, (form.addresses.data or "").split(","), form.language.data, current_user)
        flash(_("Test sent to %(n)d addresses.", n=count), "info")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("newsletter.issue_page", issue_id=issue_id))


@bp.route("/staff/newsletter/issues/<int:issue_id>/template", methods=["POST"])
@organisers
def issue_save_template(issue_id: int) -> BaseResponse:
    _issue_or_404(issue_id)
    form = TemplateForm()
    if form.validate_on_submit():
        services.save_template(issue_id, form.name.data or "", current_user)
        flash(_("Template saved. Start a new issue from it under \"Write an issue\"."), "info")
    else:
        flash(_("Give the template a name."), "error")
    return redirect(url_for("newsletter.issue_page", issue_id=issue_id))


@bp.route("/staff/newsletter/templates")
@organisers
def templates() -> str:
    return render_template("newsletter/templates.html", templates=services.templates(), form=ConfirmForm())


@bp.route("/staff/newsletter/templates/<int:template_id>/delete", methods=["POST"])
@organisers
def template_delete(template_id: int) -> BaseResponse:
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_template(template_id)
            flash(_("Template deleted."), "info")
        except services.NewsletterError as exc:
            flash(str(exc), "error")
    return redirect(url_for("newsletter.templates"))


def _zone() -> str:
    return str(current_app.config["ORG_TIMEZONE"])


def _schedule_form(issue: Issue) -> ScheduleForm:
    """The schedule form, filled with the issue's time as the organisation's clock shows it."""
    when = to_org(issue.scheduled_at).replace(tzinfo=None) if issue.scheduled_at else None
    return ScheduleForm(zone=_zone(), data={"when": when} if when else None)


@bp.route("/staff/newsletter/issues/<int:issue_id>/schedule", methods=["POST"])
@organisers
def issue_schedule(issue_id: int) -> BaseResponse:
    form = ScheduleForm(zone=_zone())
    if form.validate_on_submit():
        try:
            # Typed in the organisation's zone; stored as naive UTC.
            services.schedule(issue_id, from_org(cast(datetime, form.when.data)), current_user)  # DataRequired
            flash(_("The issue will be sent at the chosen time."), "info")
        except services.NewsletterError as exc:
            flash(str(exc), "error")
    else:
        flash(_("Choose a date and time."), "error")
    return redirect(url_for("newsletter.issue_page", issue_id=issue_id))


_ACTIONS: dict[str, Callable[[int, User], object]] = {
    "send": services.start_send,
    "pause": services.pause,
    "resume": services.resume,
    "cancel": services.cancel,
    "publish": lambda issue_id, actor: services.set_published(issue_id, True, actor),
    "unpublish": lambda issue_id, actor: services.set_published(issue_id, False, actor),
    "unschedule": lambda issue_id, actor: services.unschedule(issue_id),
}


@bp.route(
    "/staff/newsletter/issues/<int:issue_id>/<any(send, pause, resume, cancel, publish, unpublish, unschedule):action>",
    methods=["POST"],
)
@organisers
def issue_action(issue_id: int, action: str) -> BaseResponse:
    _issue_or_404(issue_id)
    if ConfirmForm().validate_on_submit():
        try:
            _ACTIONS[action](issue_id, current_user)
        except services.NewsletterError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Done."), "info")
    return redirect(url_for("newsletter.issue_page", issue_id=issue_id))


@bp.route("/staff/newsletter/import", methods=["GET", "POST"])
@organisers
@accepts_files("file")
def import_list() -> BaseResponse | str:
    form = ImportForm()
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            data = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors = [_("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again.")]
            return render_template("newsletter/import.html", form=form)
        job = services.start_import(data, form.source.data or "", locale_code(form.language.data), current_user)
        return redirect(url_for("newsletter.import_status", job_id=job.id), 303)
    return render_template("newsletter/import.html", form=form)


def _import_or_404(job_id: int) -> ImportJob:
    try:
        return services.get_import(job_id)
    except services.LinkInvalid:
        abort(404)


@bp.route("/staff/newsletter/import/<int:job_id>")
@organisers
def import_status(job_id: int) -> str:
    """The import's progress (the page reloads itself while the worker runs), then its preview
    with every rejected row, then the result."""
    job = _import_or_404(job_id)
    return render_template("newsletter/import_status.html", job=job, rejected=services.import_rejections(job),
                           reasons=services.REJECT_REASONS, form=ConfirmForm())


@bp.route("/staff/newsletter/import/<int:job_id>.json")
@organisers
def import_status_json(job_id: int) -> Response:
    job = _import_or_404(job_id)
    return jsonify(status=job.status, processed=job.processed, total=job.total, added=job.added)


@bp.route("/staff/newsletter/import/<int:job_id>/confirm", methods=["POST"])
@organisers
def import_confirm(job_id: int) -> BaseResponse:
    _import_or_404(job_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.confirm_import(job_id, current_user)
        except services.ImportNotReady as exc:
            flash(str(exc), "error")
    return redirect(url_for("newsletter.import_status", job_id=job_id), 303)


@bp.route("/staff/newsletter/subscribers")
@organisers
def subscribers() -> str:
    """How many subscribe in each language, and finding one person by (part of) their address."""
    form = SubscriberSearchForm(request.args)
    form.status.choices = choice_list([("", _("Any status")), *SUBSCRIBER_STATUS_LABELS.items()])
    found = None
    if form.validate() and form.q.data:
        try:
            found = paginate(services.subscriber_search(form.q.data, form.status.data or ""))
        except services.NewsletterError as exc:
            form.q.errors = [*form.q.errors, str(exc)]
        else:
            services.record_search(current_user, len(found.items))
    return render_template(
        "newsletter/subscribers.html", form=form, found=found,
        counts=services.status_counts(), by_language=services.language_counts(), action=ConfirmForm(),
    )


@bp.route("/staff/newsletter/subscribers/<int:subscriber_id>/unsubscribe", methods=["POST"])
@organisers
def unsubscribe_for(subscriber_id: int) -> BaseResponse:
    if confirmed():
        try:
            services.unsubscribe_for(subscriber_id, current_user)
            flash(_("Taken off the list: they receive no more issues."), "info")
        except services.NewsletterError as exc:
            flash(str(exc), "error")
    # Back to the same search, which now shows the new status.
    return redirect(url_for("newsletter.subscribers", q=request.args.get("q", "")[:100]), 303)


@bp.route("/staff/newsletter/bounced")
@staff(Role.ADMIN)
def bounced() -> str:
    return render_template("newsletter/bounced.html", subscribers=services.bounced(current_user), form=ConfirmForm())


@bp.route("/staff/newsletter/bounced/<int:subscriber_id>/reset", methods=["POST"])
@staff(Role.ADMIN)
def bounce_reset(subscriber_id: int) -> BaseResponse:
    if ConfirmForm().validate_on_submit():
        try:
            services.reset_bounced(subscriber_id, current_user)
            flash(_("The address will receive the newsletter again."), "info")
        except services.NewsletterError as exc:
            flash(str(exc), "error")
    return redirect(url_for("newsletter.bounced"))
