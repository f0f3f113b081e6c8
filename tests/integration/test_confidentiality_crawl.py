"""Sign in as each role, crawl every page and download that role can reach (GET only, following
links, plus every group, task and volunteer address typed by id), and find no confidential group's
name, no member of another group and no personal field the role may not see."""
from __future__ import annotations

import io
import re
import zipfile
from collections import deque
from collections.abc import Iterable
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.auth.models import Role
from campaign.extensions import db
from campaign.newsletter.models import Subscriber
from campaign.petitions.models import Signature
from campaign.timeutil import utcnow
from campaign.volunteers.models import Task
from tests.conftest import Client
from tests.integration.intake_fixtures import caseworker_client, intake_key  # noqa: F401
from tests.integration.volunteer_factories import add_member, make_group, make_volunteer, volunteer_client
from tests.petitions_support import make_petition

CONF_ZH, CONF_EN = "机密标记组ZQX", "ConfMarkerZQX"
CONF_TASK = "ConfTaskMarkerZQX"
LIMIT = 1500  # pages per role; the demo-like data here needs far fewer


class World:
    """Demo-like data: two ordinary groups and a confidential one, each with marker people."""

    def __init__(self) -> None:
        self.alpha = make_group(name={"zh_Hans": "阿尔法组", "en": "Alpha group"}, open_to_interest=True)
        self.beta = make_group(name={"zh_Hans": "贝塔组", "en": "Beta group"}, open_to_interest=True)
        self.conf = make_group(name={"zh_Hans": CONF_ZH, "en": CONF_EN}, confidential=True, content_free=True)
        self.people: dict[str, Any] = {}
        for key, group, lead in (("alphalead", self.alpha, True), ("alphamember", self.alpha, False),
                                 ("betalead", self.beta, True), ("betamember", self.beta, False),
                                 ("conflead", self.conf, True), ("confmember", self.conf, False)):
            person = make_volunteer(vetted=True, status="active", nickname=f"nick{key}ZQX",
                                    email=f"{key}.zqx@example.net", contact=f"+49{len(key)}777{len(self.people)}ZQX")
            add_member(group, person, lead=lead)
            self.people[key] = person
        self.tasks = {}
        for key, group, who in (("alpha", self.alpha, "alphamember"), ("beta", self.beta, "betamember"),
                                ("conf", self.conf, "confmember")):
            task = Task(group_id=group.id, title=CONF_TASK if key == "conf" else f"{key}TaskZQX")
            task.assignees = [self.people[who]]
            db.session.add(task)
            self.tasks[key] = task
        petition = make_petition()
        db.session.add(Signature(petition_id=petition.id, email="signer.zqx@example.net", name="SignerNameZQX",
                                 status="confirmed", confirmed_at=utcnow(), display="anonymous"))
        db.session.add(Subscriber(email="reader.zqx@example.net", name="ReaderNameZQX", status="confirmed"))
        db.session.commit()

    def nick(self, key: str) -> str:
        return f"nick{key}ZQX"

    def email(self, key: str) -> str:
        return f"{key}.zqx@example.net"

    def contact(self, key: str) -> str:
        return str(self.people[key].contact)

    def typed_urls(self) -> list[str]:
        """Addresses anyone could type: every group, task and volunteer by id, and the exports."""
        urls = []
        for group in (self.alpha, self.beta, self.conf):
            urls += [f"/staff/groups/{group.id}", f"/staff/groups/{group.id}/edit", f"/me/groups/{group.id}",
                     f"/reports/groups?group={group.id}"]
        for task in self.tasks.values():
            urls += [f"/staff/tasks/{task.id}", f"/me/tasks/{task.id}"]
        for person in self.people.values():
            urls += [f"/staff/volunteers/{person.id}"]
        urls += ["/reports/groups.xlsx", "/reports/volunteers.xlsx", "/reports/raw/volunteers.csv",
                 "/reports/raw/tasks.csv", "/reports/raw/volunteers.xlsx", "/reports/intake",
                 f"/staff/volunteers?group_id={self.conf.id}", "/staff/newsletter/issues/new"]
        return urls


def _text(response: Any) -> str:
    kind = response.headers.get("Content-Type", "")
    data = response.get_data()
    if "spreadsheetml" in kind or data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                             if name.endswith(".xml"))
    return unescape(data.decode("utf-8", "replace"))


_SKIP = re.compile(r"signout|logout|/static/|/delete|/leave|unsubscribe")


def _links(base: str, body: str) -> Iterable[str]:
    for href in re.findall(r'href="([^"#]+)', body):
        url = urljoin(base, unescape(href))
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc not in ("", "localhost", "127.0.0.1:5000"):
            continue
        if parts.scheme not in ("", "http", "https") or _SKIP.search(parts.path):
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: FlaskClient, seeds: list[str]) -> dict[str, str]:
    """Every page reached by GET from `seeds`: url -> text (downloads unpacked)."""
    seen: dict[str, str] = {}
    queue = deque(seeds)
    while queue and len(seen) < LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code in (301, 302, 303, 307, 308):
            seen[url] = ""
            queue.append(urlsplit(response.headers["Location"]).path)
            continue
        text = _text(response) if response.status_code == 200 else ""
        seen[url] = text
        if "html" in response.headers.get("Content-Type", ""):
            queue.extend(u for u in _links(url, text) if u not in seen)
    assert len(seen) < LIMIT, "the crawl did not finish; raise LIMIT"
    return seen


def _assert_absent(pages: dict[str, str], forbidden: Iterable[str]) -> None:
    for url, text in pages.items():
        lowered = text.lower()
        for marker in forbidden:
            assert marker.lower() not in lowered, f"{marker!r} shown at {url}"


@pytest.fixture()
def world(app: Flask) -> World:
    return World()


SEEDS = ["/", "/staff", "/me", "/petitions", "/newsletter/archive", "/volunteer", "/reports/",
         "/admin/audit", "/staff/groups", "/staff/volunteers", "/staff/newsletter", "/?lang=en"]


def test_visitor_sees_no_person_and_no_confidential_group(app, client, world):
    pages = crawl(client, SEEDS + world.typed_urls())
    keys = list(world.people)
    _assert_absent(pages, [CONF_ZH, CONF_EN, CONF_TASK, "alphaTaskZQX", "betaTaskZQX", "SignerNameZQX",
                           "signer.zqx", "reader.zqx", *[world.nick(k) for k in keys], *[world.email(k) for k in keys],
                           *[world.contact(k) for k in keys]])
    assert any("阿尔法组" in text for text in pages.values())  # the crawl did reach the public form


def test_volunteer_sees_their_group_only(app, world):
    client = volunteer_client(app, world.people["alphamember"])
    pages = crawl(client, SEEDS + world.typed_urls())
    others = ["betalead", "betamember", "conflead", "confmember"]
    _assert_absent(pages, [CONF_ZH, CONF_EN, CONF_TASK, "betaTaskZQX", "signer.zqx", "reader.zqx",
                           *[world.nick(k) for k in others], *[world.email(k) for k in others],
                           *[world.contact(k) for k in [*others, "alphalead"]], world.email("alphalead")])
    assert any("alphaTaskZQX" in text for text in pages.values())  # their own task was reached


def test_lead_of_another_group_sees_only_their_group(app, world):
    client = volunteer_client(app, world.people["betalead"])
    pages = crawl(client, SEEDS + world.typed_urls())
    others = ["alphalead", "alphamember", "conflead", "confmember"]
    _assert_absent(pages, [CONF_ZH, CONF_EN, CONF_TASK, "alphaTaskZQX", "signer.zqx", "reader.zqx",
                           *[world.nick(k) for k in others], *[world.email(k) for k in others],
                           *[world.contact(k) for k in others]])
    assert any(world.nick("betamember") in text for text in pages.values())  # a lead sees their members


def test_organiser_never_meets_the_confidential_group(app, login_as, world):
    pages = crawl(login_as(Role.ORGANISER), SEEDS + world.typed_urls())
    _assert_absent(pages, [CONF_ZH, CONF_EN, CONF_TASK])
    # Contact details are shown only through the audited "reveal" (a POST), never on a page crawled.
    _assert_absent({u: t for u, t in pages.items() if "/reports/raw/" not in u},
                   [world.contact(k) for k in world.people])
    assert any("betaTaskZQX" in text for text in pages.values())


def test_caseworker_sees_no_campaign_people(app, caseworker_client, world):
    pages = crawl(caseworker_client(unlocked=True), SEEDS + world.typed_urls() + ["/cases", "/takedowns"])
    keys = list(world.people)
    _assert_absent(pages, [CONF_ZH, CONF_EN, CONF_TASK, "signer.zqx", "reader.zqx", "SignerNameZQX",
                           *[world.nick(k) for k in keys], *[world.email(k) for k in keys]])


def test_admin_who_is_not_a_caseworker_cannot_open_the_help_desk_report(app, login_as, world):
    admin = login_as(Role.ADMIN)
    for url in ("/reports/intake", "/reports/intake.xlsx", "/reports/intake/requests_per_week_by_type.csv"):
        assert admin.get(url).status_code in (403, 404)
    pages = crawl(admin, SEEDS + world.typed_urls())
    assert not any(url.startswith("/reports/intake") and text for url, text in pages.items())
    _assert_absent({u: t for u, t in pages.items() if "/reports/raw/" not in u},
                   [world.contact(k) for k in world.people])
    assert any(CONF_ZH in text or CONF_EN in text for text in pages.values())  # admins do see it


def test_the_crawler_finds_what_is_there(app, login_as, world):
    """The crawl reaches downloads: it is not passing by seeing nothing."""
    client: Client = login_as(Role.ORGANISER, Role.ADMIN)  # type: ignore[assignment]
    pages = crawl(client, SEEDS + world.typed_urls())
    assert any(url.endswith(".xlsx") and text for url, text in pages.items())
    assert any(url.endswith(".csv") and text for url, text in pages.items())
    assert len(pages) > 40
