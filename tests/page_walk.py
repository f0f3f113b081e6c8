"""Walk every GET page a person can reach, with the demo data, as each kind of staff and a volunteer.

The walk starts from each person's home page and follows the links it finds, so the ids in the
addresses come from the demo data. One address per view is enough (one volunteer's page stands
for all), except where the address names a different page (a report section, a CSV table).
`cover()` says which GET views of the app no walk reached, so a new page cannot hide from the
checks built on this.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from campaign.auth import services as auth
from campaign.extensions import db
from campaign.intake.demo import DEMO_PASSPHRASE
from campaign.petitions.demo import SLUG as PETITION_SLUG

# Views reached only through a mailed, single-use link or not pages at all; the reason is beside each.
NOT_WALKED = {
    "static": "files, not pages",
    "core.healthz": "a health probe, not a page",
    "auth.logout": "GET shows a sign-out button; following it would end the walk's session",
    "auth.enrol": "only during a sign-in with a second factor",
    "auth.verify": "only during a sign-in with a second factor",
    "newsletter.issue_progress": "JSON polled by the issue page",
    "newsletter.audience_count": "JSON fetched by the composer as the audience changes",
    "newsletter.import_status": "shown only after an organiser uploads a list (test_newsletter_subscribers.py)",
    "newsletter.import_status_json": "JSON polled by the import page",
    "petitions.as_json": "JSON for embedding",
    "petitions.wechat_qr": "an image",
    "petitions.poster": "an image",
    "petitions.badge": "an image (the embeddable counter badge)",
    "admin.mailbox_message": "mail goes to the tests' SMTP server, so the mailbox holds none",
}
# The JSON API is reached with a key (tests/integration/test_api*.py), not by walking pages.
NOT_WALKED_BLUEPRINTS = ("api_v1.",)
# Addresses where the value of these arguments does not make a different kind of page.
SAME_PAGE_ARGS = {"name", "token", "issue_id", "user_id", "group_id", "task_id", "volunteer_id",
                  "request_id", "takedown_id", "petition_id", "template_id",
                  "event_id"}
SKIP_QUERY = re.compile(r"(^|&)lang=")


@dataclass
class Visit:
    url: str
    endpoint: str
    status: int
    mimetype: str
    body: bytes

    @property
    def html(self) -> bool:
        return self.mimetype == "text/html"

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Walk:
    who: str
    visits: list[Visit] = field(default_factory=list)
    # Pages that answer a POST (a refused form, a preview, the receipt): checked from their stored
    # body, since a browser cannot reach them by following a link.
    posted: list[Visit] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)  # the session, for a browser to take over

    @property
    def pages(self) -> list[Visit]:
        return [v for v in self.visits if v.html and v.status == 200]

    @property
    def downloads(self) -> list[Visit]:
        return [v for v in self.visits if not v.html and v.status == 200]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def walk(app: Flask, client: FlaskClient, who: str, start: Iterable[str], lang: str) -> Walk:
    """GET `start` and every same-site page linked from there (one per kind of page)."""
    adapter = app.url_map.bind("localhost")
    seen_kinds: set[tuple[Any, ...]] = set()
    queue = list(start)
    result = Walk(who)
    client.get(f"/?lang={lang}")  # sets the language cookie for the rest of the walk
    while queue:
        url = urldefrag(queue.pop(0))[0]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP_QUERY.search(parts.query):
            continue
        try:
            endpoint, args = adapter.match(parts.path, method="GET")
        except HTTPException:
            continue
        if endpoint in NOT_WALKED:
            continue
        kind = (endpoint, *sorted((k, str(v)) for k, v in args.items() if k not in SAME_PAGE_ARGS))
        if kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        response = client.get(url, buffered=True)  # read a streamed body inside its request
        visit = Visit(url, str(endpoint), response.status_code, response.mimetype or "", response.get_data())
        result.visits.append(visit)
        if visit.html and visit.status == 200:
            queue.extend(links(visit.text()))
        elif visit.status in (301, 302, 303) and response.location:
            queue.append(urlsplit(response.location)._replace(scheme="", netloc="").geturl())
    for name in (app.config.get("SESSION_COOKIE_NAME", "session"), "lang"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            result.cookies[name] = cookie.value
    return result


def seed_demo(app: Flask) -> None:
    outcome = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert outcome.exit_code == 0, outcome.output


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A client holding a demo staff member's session (as after a completed sign-in)."""
    from tests.conftest import sign_in

    user = auth.find_user(email)
    assert user is not None
    return sign_in(app.test_client(), user)


def volunteer_walk(app: Flask) -> tuple[FlaskClient, list[str]]:
    """The walk's volunteer, a lead of a working group that has events, and where the walk starts:
    their space and that group's events (so the leads' event pages are reached)."""
    from campaign.events.models import Event
    from campaign.volunteers.models import Membership
    from tests.integration.volunteer_factories import volunteer_client as client_of

    lead = db.session.scalar(select(Membership).where(Membership.is_lead.is_(True),
                                                      Membership.group_id.in_(select(Event.group_id)))
                             .order_by(Membership.volunteer_id, Membership.group_id).limit(1))
    assert lead is not None
    return client_of(app, lead.volunteer), ["/me", f"/me/groups/{lead.group_id}/events"]


STAFF_HOME = ["/staff", "/account"]
PUBLIC = ["/", "/help", "/help/status", "/volunteer", "/volunteer/signin", "/subscribe", "/my-data/",
          "/newsletter/archive", "/login", "/monitoring",
          # Framed by partner sites, so linked from none of ours.
          f"/embed/petitions/{PETITION_SLUG}", f"/embed/petitions/{PETITION_SLUG}/thanks"]


def event_pages(app: Flask) -> list[str]:
    """Event pages a visitor reaches only after replying or through a mailed link: the thanks page,
    a demo attendee's own page (which links to cancelling and their calendar file) and the
    confirmation page of a reply still pending."""
    from campaign.events import services as events
    from campaign.events.models import Event, Rsvp
    from campaign.volunteers.models import WorkingGroup

    # A public event's: the thanks page of a members-only event is not found for the public walk.
    public = select(Event.id).join(WorkingGroup, WorkingGroup.id == Event.group_id).where(
        WorkingGroup.confidential.is_(False))
    with app.test_request_context():
        confirmed = db.session.scalar(select(Rsvp).where(Rsvp.status == "confirmed", Rsvp.checked_in_at.is_(None),
                                                         Rsvp.event_id.in_(public))
                                      .order_by(Rsvp.id.desc()).limit(1))
        pending = db.session.scalar(select(Rsvp).where(Rsvp.status == "pending").limit(1))
        if confirmed is None or pending is None:
            return []
        site = "http://127.0.0.1:5000"
        return [f"/events/{confirmed.event_id}/thanks", events.rsvp_link(confirmed).removeprefix(site),
                events.confirm_link(pending).removeprefix(site)]


WALK_ADDRESS = "walk.{}@example.net"


def mailed_pages(app: Flask) -> list[str]:
    """The pages a person opens from a link in a mail, each link made as its mail makes it, for
    demo rows in the state the mail finds them in. Where the demo has no such row (a signature or
    volunteer still to confirm, an invitation, an invited staff account, a draft issue for the staff
    walks) the walk adds one, once.
    A link the page no longer accepts answers 400, which `not_covered` reports."""
    from campaign import tokens
    from campaign.auth.models import Role, User
    from campaign.newsletter import compose
    from campaign.newsletter import services as newsletter
    from campaign.newsletter.models import Issue, IssueStatus, Subscriber
    from campaign.petitions import services as petitions
    from campaign.petitions.models import Signature
    from campaign.rights import services as rights
    from campaign.volunteers import services as volunteers
    from campaign.volunteers import work
    from campaign.volunteers.models import Invitation, InvitationState, Membership, Volunteer, WorkingGroup
    from tests.integration.volunteer_factories import make_volunteer

    site = app.config["BASE_URL"]
    with app.test_request_context():
        confirmed = db.session.scalars(select(Signature).where(Signature.status == "confirmed")
                                       .order_by(Signature.id).limit(1)).one()
        pending = db.session.scalar(select(Signature).where(Signature.email == WALK_ADDRESS.format("signer")))
        if pending is None:
            pending = Signature(petition_id=confirmed.petition_id, email=WALK_ADDRESS.format("signer"),
                                name="林", status="pending")
            db.session.add(pending)
        subscriber = db.session.scalars(select(Subscriber).where(Subscriber.status == "pending")
                                        .order_by(Subscriber.id).limit(1)).one()
        reader = db.session.scalars(select(Subscriber).where(Subscriber.status == "confirmed")
                                    .order_by(Subscriber.id).limit(1)).one()
        newcomer = db.session.scalar(select(Volunteer).where(Volunteer.email == WALK_ADDRESS.format("newcomer")))
        if newcomer is None:
            newcomer = make_volunteer(email=WALK_ADDRESS.format("newcomer"), confirmed_at=None,
                                      confirm_nonce="walk-nonce")
        member = db.session.scalars(select(Volunteer).join(Membership).order_by(Volunteer.id).limit(1)).one()
        invitation = db.session.scalar(select(Invitation).where(Invitation.state == InvitationState.PENDING.value)
                                       .order_by(Invitation.id).limit(1))
        if invitation is None:
            group = db.session.scalars(select(WorkingGroup).where(WorkingGroup.confidential.is_(False))
                                       .order_by(WorkingGroup.id).limit(1)).one()
            guest = db.session.scalars(select(Volunteer).where(
                Volunteer.status == "vetted", Volunteer.confirmed_at.is_not(None),
                Volunteer.id.not_in(select(Membership.volunteer_id).where(Membership.group_id == group.id)))
                .order_by(Volunteer.id).limit(1)).one()
            invitation = Invitation(group_id=group.id, volunteer_id=guest.id)
            db.session.add(invitation)
        if db.session.scalar(select(Issue).where(Issue.status == IssueStatus.DRAFT.value).limit(1)) is None:
            # A draft, so the staff walks reach the editor of a saved issue (the demo's are all sent).
            db.session.add(Issue(subject={"zh_Hans": "下周的行动", "en": "Next week's action"},
                                 body={"zh_Hans": "{{name|朋友}}，你好。", "en": "Hello {{name|friend}}."}))
        invited = auth.find_user(WALK_ADDRESS.format("staff")) or auth.create_user(
            WALK_ADDRESS.format("staff"), [Role.ORGANISER])
        db.session.commit()
        user: User = invited
        links = [
            petitions.confirm_link(pending), petitions.withdraw_link(confirmed),
            url_for("newsletter.confirm", token=tokens.make(newsletter.CONFIRM_PURPOSE, subscriber.id,
                                                            subscriber.email)),
            url_for("newsletter.preferences", token=compose.manage_token(reader.id)),
            url_for("newsletter.unsubscribe", token=compose.manage_token(reader.id)),
            url_for("volunteers.confirm", token=tokens.make(volunteers.CONFIRM_PURPOSE, newcomer.id,
                                                            newcomer.confirm_nonce)),
            url_for("volunteers.signin_link", token=tokens.make(volunteers.SIGNIN_PURPOSE, member.id,
                                                                volunteers._signin_state(member))),
            url_for("volunteers.invitation", answer="accept", token=tokens.make(
                work.INVITE_PURPOSE, invitation.id, InvitationState.PENDING.value)),
            url_for("rights.open_link", token=tokens.make(rights.PURPOSE, rights._fingerprint(reader.email))),
            url_for("auth.accept_invite", token=tokens.make(auth.INVITE_PURPOSE, user.id, auth._invite_state(user))),
        ]
    return [link.removeprefix(site) for link in links]


def post(client: FlaskClient, done: Walk, url: str, data: dict[str, Any]) -> str:
    """POST a form as the walk's person and keep the page it answers with."""
    response = client.post(url, data=data)
    endpoint = client.application.url_map.bind("localhost").match(urlsplit(url).path, method="POST")[0]
    assert response.status_code == 200, (url, response.status_code)
    done.posted.append(Visit(url, str(endpoint), response.status_code, response.mimetype or "", response.get_data()))
    return response.get_data(as_text=True)


def _posted_pages(client: FlaskClient, public: Walk, organiser: FlaskClient, organiser_walk: Walk, lang: str) -> None:
    """The pages only a POST shows: a refused form (its language switch re-sends the form), the
    help desk's receipt and its printable page, and the petition editor's preview."""
    post(client, public, f"/volunteer?posted=refused&lang={lang}", {"email": "not an address", "nickname": "Lin"})
    receipt = post(client, public, f"/help?posted=receipt&lang={lang}", {"kinds": ["other"], "contact_method": "none"})
    found = re.search(r'id="receipt-code"><code>([0-9A-Z-]+)</code>', receipt)
    assert found, "no receipt code"
    post(client, public, f"/help/receipt?posted=print&lang={lang}", {"code": found.group(1), "view": "print"})
    post(organiser, organiser_walk, f"/staff/petitions/new?posted=preview&lang={lang}", {
        "slug": "preview", "status": "draft", "goal": "100", "title-zh_Hans": "预览", "title-en": "Preview",
        "body-zh_Hans": "**粗体** 与 [链接](https://example.org)", "body-en": "*Read* this.", "preview": "Preview"})


def walks(app: Flask, lang: str) -> list[Walk]:
    """The walks of the public, each demo staff member (the caseworker with the help desk unlocked)
    and a volunteer in a working group."""
    from tests.conftest import Client

    app.test_client_class = Client  # one app context per request, as in production
    result = [walk(app, app.test_client(), "public", PUBLIC + event_pages(app) + mailed_pages(app), lang)]
    for email in ("admin@example.org", "organiser@example.org", "caseworker@example.org"):
        client = signed_in(app, email)
        if email.startswith("caseworker"):
            result.append(walk(app, client, "caseworker (locked)", ["/cases/unlock"], lang))
            client.post("/cases/unlock", data={"passphrase": DEMO_PASSPHRASE})
        # An organiser's subscriber search shows a table (and its actions) that no link leads to.
        search = ["/staff/newsletter/subscribers?q=reader00"] if email.startswith("organiser") else []
        start = [*STAFF_HOME, *search]
        result.append(walk(app, client, email.split("@")[0], start, lang))
        if email.startswith("organiser"):
            _posted_pages(app.test_client(), result[0], client, result[-1], lang)
    volunteer, start = volunteer_walk(app)
    result.append(walk(app, volunteer, "volunteer", start, lang))
    return result


def not_covered(app: Flask, done: list[Walk]) -> set[str]:
    """GET views of the app that no walk reached, or reached only as an error page (a view the
    walk met only as "not found" was never checked)."""
    reached = {v.endpoint for w in done for v in w.visits if v.status < 400}
    every = {r.endpoint for r in app.url_map.iter_rules()
             if "GET" in (r.methods or ()) and not r.endpoint.startswith(NOT_WALKED_BLUEPRINTS)}
    return every - reached - set(NOT_WALKED)


VisibleText = Callable[[str], str]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self.page_lang = ""
        self._other_language: list[str] = []  # open elements inside one marked lang="<another>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "textarea"):
            self._skip += 1
        if self._other_language:
            self._other_language.append(tag)
        elif (dict(attrs).get("lang") or self.page_lang)[:2] != self.page_lang[:2]:
            self._other_language.append(tag)  # marked as another language (the language switch)
        if tag == "html":
            self.page_lang = dict(attrs).get("lang") or ""
        for name, value in attrs:
            if value and name in ("title", "alt", "aria-label", "placeholder"):
                self.parts.append(value)
            if value and name == "value" and tag == "input" and dict(attrs).get("type") in ("submit", "button"):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "textarea") and self._skip:
            self._skip -= 1
        if self._other_language and tag in self._other_language:
            while self._other_language and self._other_language.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._other_language:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """What a reader sees or hears in the page's language: text, titles, labels and button values
    (text marked as another language, such as the language switch, is left out)."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)
