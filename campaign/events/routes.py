"""Event pages: the public list and page with the RSVP form, the mailed links (confirm, the
attendee's own page, cancel), and the organisers' pages (edit, attendees, check-in at the door)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from campaign import abuse, i18n, sessions
from campaign.access import Access, F, personal, public, staff
from campaign.auth.models import Role
from campaign.events import bp, calendar
from campaign.events import services as events
from campaign.events.forms import (
    ActionForm,
    CancelRsvpForm,
    CheckInSearchForm,
    ConfirmRsvpForm,
    EventForm,
    EventTaskForm,
    RsvpForm,
    WalkInForm,
)
from campaign.events.labels import EVENT_STATUS_LABELS, RSVP_STATUS_LABELS
from campaign.events.models import TRANSLATED, Event, Rsvp
from campaign.extensions import limiter
from campaign.forms import choice_list
from campaign.labels import add_filters
from campaign.newsletter import services as newsletter
from campaign.timeutil import from_org, to_org, utcnow
from campaign.volunteers import services as volunteers
from campaign.volunteers.models import Volunteer

logger = logging.getLogger(__name__)

organisers = staff(Role.ORGANISER, Role.ADMIN)
add_filters(bp, event_status=EVENT_STATUS_LABELS, rsvp_status=RSVP_STATUS_LABELS)
# The volunteers' own session key (campaign/volunteers/routes.py): a signed-in member of a
# confidential group sees that group's events.
_VOLUNTEER_SESSION = "volunteer"


def _lang() -> str:
    return i18n.locale_code(get_locale())


def _viewer() -> events.Viewer:
    if current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[no-any-return]
    person = volunteers.from_session(session.get(_VOLUNTEER_SESSION, ""))
    live = sessions.current(session.get(sessions.COOKIE_KEY), sessions.VOLUNTEER)
    if isinstance(person, Volunteer) and live is not None and live.subject_id == person.id:
        return person
    return None


@bp.app_template_filter("org_time")
def org_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored naive-UTC time as the organisation's wall-clock time."""
    return to_org(value).strftime(fmt) if value else ""


def _context(event: Event) -> dict[str, Any]:
    lang = _lang()
    return {"event": event, "lang": lang, "when": events.when_text(event, str(get_locale())),
            "zone": str(to_org(event.starts_at).tzinfo)}


# --- public -------------------------------------------------------------------------------------


@bp.route("/events")
@public
def index() -> str:
    return render_template("events/index.html", events=events.upcoming(_viewer()), lang=_lang(),
                           when=lambda e: events.when_text(e, str(get_locale())))


def _visible_or_404(event_id: int) -> Event:
    try:
        return events.visible_event(event_id, _viewer())
    except events.EventNotFound:
        abort(404)


def _render_event(event: Event, form: RsvpForm, message: str = "") -> str:
    return render_template("events/show.html", form=form, message=message,
                           answer_fields=form.answer_fields(event.question_list(_lang())), **_context(event))


@bp.route("/events/<int:event_id>")
@public
def show(event_id: int) -> str:
    return _render_event(_visible_or_404(event_id), RsvpForm())


@bp.post("/events/<int:event_id>/rsvp")
@public
@limiter.limit(abuse.public_form_limit, methods=["POST"])
def rsvp(event_id: int) -> BaseResponse | tuple[str, int]:
    event = _visible_or_404(event_id)
    form = RsvpForm()
    if not form.validate_on_submit():
        return _render_event(event, form), 400
    if not event.rsvp_open():
        # What was typed stays in the form, with the reason above it.
        return _render_event(event, form, _("Replies for this event have closed.")), 409
    if form.website.data or abuse.too_quick():
        logger.info("event %s: honeypot caught a reply", event.id)
        return redirect(url_for("events.thanks", event_id=event.id), 303)
    try:
        events.request_rsvp(event, events.RsvpAnswers(
            nickname=form.nickname.data or "", email=form.email.data or "", answers=form.answers(),
            follow_up=bool(form.follow_up.data)), str(get_locale()))
    except events.RsvpClosed:
        return _render_event(event, form, _("Replies for this event have closed.")), 409
    return redirect(url_for("events.thanks", event_id=event.id), 303)


@bp.route("/events/<int:event_id>/thanks")
@public
def thanks(event_id: int) -> str:
    return render_template("events/thanks.html", **_context(_visible_or_404(event_id)))


@bp.route("/events/<int:event_id>/calendar.ics")
@public
def calendar_file(event_id: int) -> Response:
    event = _visible_or_404(event_id)
    return _ics(event, calendar.ics(event, _lang()))


def _ics(event: Event, body: bytes) -> Response:
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'})


def _link_invalid() -> tuple[str, int]:
    return render_template("core/message.html", title=_("Link not valid"),
                           message=_("This link is invalid or has expired, or the reply was cancelled.")), 400


@bp.route("/events/confirm/<token>", methods=["GET", "POST"])
@personal
def confirm(token: str) -> BaseResponse | str | tuple[str, int]:
    try:
        reply = events.rsvp_from_token(events.CONFIRM_PURPOSE, token)
    except events.LinkInvalid:
        return _link_invalid()
    event = _event_of(reply)
    form = ConfirmRsvpForm()
    # Confirming takes a button press: mail scanners that open links must not take places.
    if form.validate_on_submit():
        try:
            events.confirm(reply)
        except events.RsvpClosed:
            return render_template("core/message.html", title=_("Replies have closed"),
                                   message=_("This event has started or was cancelled.")), 409
        return redirect(url_for("events.rsvp_page", token=events.rsvp_token(reply)), 303)
    return render_template("events/confirm.html", form=form, reply=reply, **_context(event))


def _event_of(reply: Rsvp) -> Event:
    from campaign.extensions import db

    event = db.session.get(Event, reply.event_id)
    if event is None:
        abort(404)
    return event


def _reply(token: str) -> Rsvp | None:
    try:
        reply = events.rsvp_from_token(events.RSVP_PURPOSE, token)
    except events.LinkInvalid:
        return None
    return reply


@bp.route("/events/rsvp/<token>")
@personal
def rsvp_page(token: str) -> str | tuple[str, int]:
    reply = _reply(token)
    if reply is None:
        return _link_invalid()
    event = _event_of(reply)
    return render_template("events/rsvp.html", reply=reply, token=token, position=events.waiting_position(reply),
                           answers=events.answers_of(reply), released=event.place_released(),
                           release_on=events.release_text(event), **_context(event))


@bp.route("/events/rsvp/<token>/calendar.ics")
@personal
def rsvp_calendar(token: str) -> Response | tuple[str, int]:
    reply = _reply(token)
    if reply is None:
        return _link_invalid()
    event = _event_of(reply)
    place = event.place if reply.status == "confirmed" and event.place_released() else ""
    return _ics(event, calendar.ics(event, _lang(), events.rsvp_link(reply), place))


@bp.route("/events/rsvp/<token>/cancel", methods=["GET", "POST"])
@personal
def cancel(token: str) -> BaseResponse | str | tuple[str, int]:
    reply = _reply(token)
    if reply is None:
        return _link_invalid()
    event = _event_of(reply)
    form = CancelRsvpForm()
    if form.validate_on_submit():
        events.cancel(reply)
        flash(_("Your reply and the answers you gave with it have been deleted."), "info")
        return redirect(url_for("events.show", event_id=event.id) if event.status != "draft"
                        else url_for("core.index"), 303)
    return render_template("events/cancel.html", form=form, reply=reply, **_context(event))


# --- organisers and leads ------------------------------------------------------------------------
# The staff pages (/staff/events) serve organisers and admins. A working group's leads get the same
# form, list and check-in under their volunteer space (/me), for the groups they lead alone; those
# views' endpoints start with "lead_", and the shared templates build links from `pages`, the
# prefix of the endpoints of the space they are shown in.
STAFF_PAGES = "events."
LEAD_PAGES = "events.lead_"


def lead(view: F) -> F:
    """Only a volunteer signed in by magic link may open this view (the volunteers' checker);
    the view then serves only the groups they lead."""
    view._access = Access("volunteer")  # type: ignore[attr-defined]
    return view


def _staff_actor() -> events.Actor:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _lead_actor() -> events.Actor:
    return g.volunteer  # type: ignore[no-any-return]


def _managed(event_id: int, actor: events.Actor) -> Event:
    try:
        return events.managed_event(event_id, actor)
    except events.EventNotFound:
        abort(404)


def _led_group(group_id: int) -> int:
    """A group the signed-in volunteer leads (404 for any other: the space shows no other group)."""
    if not events.manages_group(_lead_actor(), group_id):
        abort(404)
    return group_id


def _list(actor: events.Actor, pages: str, new_url: str, group_id: int | None = None) -> str:
    return render_template("events/staff_list.html", events=events.managed_events(actor, group_id), lang=_lang(),
                           translated=TRANSLATED, pages=pages, new_url=new_url)


@bp.route("/staff/events")
@organisers
def staff_list() -> str:
    return _list(_staff_actor(), STAFF_PAGES, url_for("events.create"))


@bp.route("/staff/events/new", methods=["GET", "POST"])
@organisers
def create() -> BaseResponse | str:
    return _edit(None, _staff_actor(), STAFF_PAGES)


@bp.route("/staff/events/<int:event_id>/edit", methods=["GET", "POST"])
@organisers
def edit(event_id: int) -> BaseResponse | str:
    return _edit(_managed(event_id, _staff_actor()), _staff_actor(), STAFF_PAGES)


def _edit(event: Event | None, actor: events.Actor, pages: str, group_id: int | None = None) -> BaseResponse | str:
    form = EventForm(obj=event)
    form.group_id.choices = choice_list(events.group_options(actor, get_locale()))
    form.starts_at.description = _("In the organisation's time zone (%(zone)s).",
                                   zone=str(to_org(utcnow()).tzinfo))
    if request.method == "GET" and event is None and group_id is not None:
        form.group_id.data = group_id
    if request.method == "GET" and event is not None:
        for name in ("starts_at", "ends_at", "rsvp_deadline", "place_release_at"):
            value = getattr(event, name)
            getattr(form, name).data = to_org(value).replace(tzinfo=None) if value else None
    if form.validate_on_submit():
        fields: dict[str, Any] = {name: getattr(form, name).data for name in
                                  ("group_id", "status", "online", "capacity")}
        fields["place"] = (form.place.data or "").strip()
        for name in ("starts_at", "ends_at", "rsvp_deadline", "place_release_at"):
            value = getattr(form, name).data
            fields[name] = from_org(value) if value else None
        for name in TRANSLATED:
            fields[name] = getattr(form, name).data
        try:
            saved = events.save_event(event, fields, actor)
        except events.NotAllowed:
            form.group_id.errors = [*form.group_id.errors, _("You may not manage this working group.")]
        else:
            flash(_("Event saved."), "info")
            if pages == LEAD_PAGES:
                return redirect(url_for("events.lead_list", group_id=saved.group_id))
            return redirect(url_for("events.staff_event", event_id=saved.id))
    if pages == LEAD_PAGES:
        back: str | None = url_for("events.lead_list", group_id=event.group_id if event else group_id)
    else:
        back = url_for("events.staff_event", event_id=event.id) if event else None
    return render_template("events/edit.html", form=form, event=event, back=back, pages=pages)


@bp.route("/staff/events/<int:event_id>")
@organisers
def staff_event(event_id: int) -> str:
    event = _managed(event_id, _staff_actor())
    return render_template(
        "events/staff_event.html", rsvps=events.rsvps_of(event), counts=events.status_counts(event),
        walk_ins=events.walk_ins_of(event), tasks=events.linked_tasks(event), task_form=EventTaskForm(),
        action=ActionForm(), answers_of=events.answers_of, group=events.group_of(event), **_context(event))


@bp.post("/staff/events/<int:event_id>/tasks")
@organisers
def create_task(event_id: int) -> BaseResponse | str | tuple[str, int]:
    event = _managed(event_id, _staff_actor())
    form = EventTaskForm()
    if not form.validate_on_submit():
        flash(_("The task was not created: give it a title."), "error")
        return redirect(url_for("events.staff_event", event_id=event.id))
    events.create_task(current_user, event, form.title.data or "", form.due_on.data)
    flash(_("Task created."), "info")
    return redirect(url_for("events.staff_event", event_id=event.id))


@bp.post("/staff/events/<int:event_id>/follow-up")
@organisers
def follow_up(event_id: int) -> BaseResponse:
    event = _managed(event_id, _staff_actor())
    if not ActionForm().validate_on_submit():
        abort(400)
    issue = newsletter.create_issue(newsletter.IssueData(
        subject=events.follow_up_subject(event), body={}, segment=events.follow_up_segment(event)), current_user)
    flash(_("A draft newsletter to the attendees who asked to hear more: write it, then send."), "info")
    return redirect(url_for("newsletter.issue_edit", issue_id=issue.id))


def _check_in(event: Event, pages: str) -> str:
    form = CheckInSearchForm(request.args)
    found = events.find_attendees(event, form.q.data or "") if form.validate() else []
    back = (url_for("events.staff_event", event_id=event.id) if pages == STAFF_PAGES
            else url_for("events.lead_list", group_id=event.group_id))
    return render_template("events/check_in.html", form=form, found=found, searched=bool(form.q.data),
                           action=ActionForm(), walk_in=WalkInForm(), pages=pages, back=back, **_context(event))


def _check_in_one(event: Event, rsvp_id: int, pages: str) -> BaseResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    if events.check_in(event, rsvp_id):
        flash(_("Checked in."), "info")
    else:
        flash(_("Already checked in."), "info")
    return redirect(url_for(pages + "check_in", event_id=event.id, q=request.form.get("q", "")), 303)


def _walk_in(event: Event, pages: str) -> BaseResponse:
    form = WalkInForm()
    if form.validate_on_submit():
        events.walk_in(event, form.nickname.data or "")
        flash(_("Walk-in counted."), "info")
    else:
        flash(_("Type a nickname to count a walk-in."), "error")
    return redirect(url_for(pages + "check_in", event_id=event.id), 303)


@bp.route("/staff/events/<int:event_id>/check-in")
@organisers
def check_in(event_id: int) -> str:
    return _check_in(_managed(event_id, _staff_actor()), STAFF_PAGES)


@bp.post("/staff/events/<int:event_id>/check-in/<int:rsvp_id>")
@organisers
def check_in_one(event_id: int, rsvp_id: int) -> BaseResponse:
    return _check_in_one(_managed(event_id, _staff_actor()), rsvp_id, STAFF_PAGES)


@bp.post("/staff/events/<int:event_id>/walk-in")
@organisers
def walk_in(event_id: int) -> BaseResponse:
    return _walk_in(_managed(event_id, _staff_actor()), STAFF_PAGES)


# The same for a group's leads, in their volunteer space.


@bp.route("/me/groups/<int:group_id>/events")
@lead
def lead_list(group_id: int) -> str:
    group_id = _led_group(group_id)
    return _list(_lead_actor(), LEAD_PAGES, url_for("events.lead_create", group_id=group_id), group_id)


@bp.route("/me/groups/<int:group_id>/events/new", methods=["GET", "POST"])
@lead
def lead_create(group_id: int) -> BaseResponse | str:
    return _edit(None, _lead_actor(), LEAD_PAGES, _led_group(group_id))


@bp.route("/me/events/<int:event_id>/edit", methods=["GET", "POST"])
@lead
def lead_edit(event_id: int) -> BaseResponse | str:
    return _edit(_managed(event_id, _lead_actor()), _lead_actor(), LEAD_PAGES)


@bp.route("/me/events/<int:event_id>/check-in")
@lead
def lead_check_in(event_id: int) -> str:
    return _check_in(_managed(event_id, _lead_actor()), LEAD_PAGES)


@bp.post("/me/events/<int:event_id>/check-in/<int:rsvp_id>")
@lead
def lead_check_in_one(event_id: int, rsvp_id: int) -> BaseResponse:
    return _check_in_one(_managed(event_id, _lead_actor()), rsvp_id, LEAD_PAGES)


@bp.post("/me/events/<int:event_id>/walk-in")
@lead
def lead_walk_in(event_id: int) -> BaseResponse:
    return _walk_in(_managed(event_id, _lead_actor()), LEAD_PAGES)
