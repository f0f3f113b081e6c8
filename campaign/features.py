"""The house plan: what a feature may contribute to the app, and the per-app registry holding it.

Each feature package has a `feature.py` whose `feature` is a `Feature`: its blueprints, the links
it adds to the public menu and the staff home, the section it adds to the home page, its
background jobs, its data-rights holder, the newsletter audiences it owns, the access kinds it
checks, its CLI commands and its demo seeder. `create_app(features=...)` collects the manifests
into one `Registry` kept in `app.extensions`, so two apps in one process share nothing and a test
can build an app with some features only.

Nothing here imports a feature: the host asks, the features answer.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import click
from flask import Blueprint, Flask, current_app
from sqlalchemy import Select

from campaign.auth.models import Role, User

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

    from campaign.access import Access
    from campaign.notices import Notice

_EXTENSION_KEY = "campaign.features"


class Lane(StrEnum):
    """Background work runs in lanes, each with its own thread, so one kind never waits on another."""

    MAIL = "mail"  # transactional mail: confirmations, sign-in links, invitations
    BULK = "bulk"  # newsletter dispatch
    UPKEEP = "upkeep"  # reminders, digests, clean-ups, summaries
    HOOKS = "hooks"  # webhook deliveries: a slow receiver never delays mail or upkeep


@dataclass(frozen=True)
class Job:
    """A background job. `func` returns how much work it did (0 or None when it found none).

    A job with `every_period` runs once per period across the whole cluster, however many workers
    run (the worker claims a row per job and period); other jobs run whenever they come due, and
    again at once while they find work, and must claim their own rows.
    """

    name: str
    func: Callable[[], int | None]
    every: float  # seconds between runs when the job finds no work
    lane: Lane = Lane.UPKEEP
    every_period: bool = False


@dataclass(frozen=True)
class NavEntry:
    """A link in the public menu."""

    endpoint: str
    label: object  # a lazy string


@dataclass(frozen=True)
class Figure:
    """A live figure or to-do on a staff-home card, linking to the list it counts."""

    label: object
    value: int | str
    endpoint: str
    args: tuple[tuple[str, str], ...] = ()  # query arguments that filter the list
    todo: bool = False  # something waiting for someone, rather than a figure to read


@dataclass(frozen=True)
class StaffCard:
    """A card on the staff home, shown to staff holding any of `roles` (everyone when empty).

    `figures()` runs per request for the signed-in staff member and returns what they may see.
    """

    endpoint: str
    label: object
    roles: tuple[Role, ...] = ()
    figures: Callable[[], list[Figure]] | None = None


AudienceQuery = Callable[[str | None, User | None], Select[int]]
AudienceChoices = Callable[[User | None], list[tuple[str, str]]]
# (id, email, name, locale) of people a feature may mail for itself
ContactRows = Select[int, str | None, str, str]


@dataclass(frozen=True)
class Contacts:
    """People a feature may mail for itself, subscribed to the newsletter or not: they agreed to
    be mailed there (a volunteer's consent).

    `query(value, sender)` returns a SELECT of (id, email, name, locale) within the audience, as
    the sender may see it; `withdraw(id)` takes the consent back in the caller's transaction (the
    one-click unsubscribe in every such mail). `key` names the kind of id ("volunteer").
    """

    key: str
    query: Callable[[str | None, User | None], ContactRows]
    withdraw: Callable[[int], None]


@dataclass(frozen=True)
class Leave:
    """How someone leaves one audience alone: the one-click unsubscribe under mail sent to it.

    `withdraw(value, email)` takes the person (a normalised address) out of the audience in the
    caller's transaction, leaving the rest of their subscription as it is; `describe(value)` names
    what they leave in the reader's language ("news of the petition “…”").
    """

    withdraw: Callable[[str | None, str], None]
    describe: Callable[[str | None], str]


@dataclass(frozen=True)
class Audience:
    """A newsletter audience owned by the feature that holds the data.

    `query(value, sender)` returns a SELECT of newsletter subscriber ids (value is None without
    choices); `choices(sender)` lists (value, label) pairs. Both answer for the staff member who
    sends: they offer and reach only people the visibility policy lets the sender see. The
    newsletter applies its own rules on top (confirmed subscribers, topics, languages).
    """

    key: str
    label: object
    query: AudienceQuery
    choices: AudienceChoices | None = None
    contacts: Contacts | None = None  # also reaches these people, subscribed or not
    # Also reaches subscribers who joined for this audience alone (Subscriber.general False).
    limited: bool = False
    # With it, the unsubscribe link in mail to this audience leaves the audience, not the list.
    leave: Leave | None = None


@dataclass(frozen=True)
class DataRights:
    """What a feature holds on a person, found by email: `collect` for a copy, `erase` to forget.

    `collect(email)` returns JSON-ready dicts; `erase(email)` removes or blanks personal fields,
    keeping counts and anonymous history, and returns how many records it touched.
    """

    key: str
    collect: Callable[[str], list[dict[str, object]]]
    erase: Callable[[str], int]
    tables: tuple[str, ...] = ()  # tables `erase` touches: vacuumed afterwards (campaign/erasure.py)


@dataclass(frozen=True)
class ApiScope:
    """A permission an API key may hold, such as "events:read"."""

    name: str
    label: object
    personal: bool = False  # reading under it touches personal data (calls are audit-logged)


@dataclass(frozen=True)
class HookEvent:
    """A kind of webhook event: `kind` as recorded by campaign.happenings.record().

    `payload(subject_id, scopes)` builds the `data` part of a delivery at delivery time, limited
    to what `scopes` (the webhook's) allow; None when the subject is gone. A webhook that does not
    hold `scope` is sent nothing of this kind (campaign/api/hooks.py).
    """

    kind: str
    label: object
    scope: str
    payload: Callable[[str, frozenset[str]], dict[str, object] | None]


@dataclass(frozen=True)
class ApiResources:
    """What a feature adds to the JSON API (campaign/api): a flask-smorest Blueprint whose views
    declare `access.api(scope)`, the scopes it uses, and the webhook events it emits."""

    blueprint: Blueprint | None = None
    scopes: tuple[ApiScope, ...] = ()
    hook_events: tuple[HookEvent, ...] = ()


Checker = Callable[["Access"], "ResponseReturnValue | None"]
NoticeHandler = Callable[["Notice"], None]
Seeder = Callable[[random.Random], None]


@dataclass(frozen=True)
class Feature:
    """Everything one feature contributes. Fields left empty contribute nothing."""

    name: str
    blueprints: tuple[Blueprint, ...] = ()
    public_nav: tuple[NavEntry, ...] = ()
    staff_cards: tuple[StaffCard, ...] = ()
    home_sections: tuple[str, ...] = ()  # templates included on the home page
    jobs: tuple[Job, ...] = ()
    data_rights: DataRights | None = None
    audiences: tuple[Audience, ...] = ()
    access_checkers: tuple[tuple[str, Checker], ...] = ()  # (access kind, checker)
    # (kind, handler): what the worker does with a public form's notice (campaign/notices.py)
    notice_handlers: tuple[tuple[str, NoticeHandler], ...] = ()
    commands: tuple[click.Command, ...] = ()
    demo: Seeder | None = None
    setup: Callable[[Flask], None] | None = None  # per-app hooks (signals, template filters)
    # Resources, scopes and webhook events for the JSON API; the api feature mounts them.
    api: ApiResources | None = None


@dataclass
class Registry:
    """What the features of one app contribute, gathered once when the app is built."""

    features: list[Feature] = field(default_factory=list)
    public_nav: list[NavEntry] = field(default_factory=list)
    staff_cards: list[StaffCard] = field(default_factory=list)
    home_sections: list[str] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    data_rights: list[DataRights] = field(default_factory=list)
    audiences: dict[str, Audience] = field(default_factory=dict)
    access_checkers: dict[str, Checker] = field(default_factory=dict)
    notice_handlers: dict[str, NoticeHandler] = field(default_factory=dict)
    seeders: list[Seeder] = field(default_factory=list)
    api: list[ApiResources] = field(default_factory=list)

    def add(self, feature: Feature) -> None:
        if any(known.name == feature.name for known in self.features):
            raise ValueError(f"feature {feature.name!r} given twice")
        self.features.append(feature)
        self.public_nav.extend(feature.public_nav)
        self.staff_cards.extend(feature.staff_cards)
        self.home_sections.extend(feature.home_sections)
        for job in feature.jobs:
            if any(known.name == job.name for known in self.jobs):
                raise ValueError(f"job {job.name!r} declared twice")
            self.jobs.append(job)
        if feature.data_rights is not None:
            self.data_rights.append(feature.data_rights)
        for audience in feature.audiences:
            if ":" in audience.key or audience.key in self.audiences:
                raise ValueError(f"audience key {audience.key!r} is taken or contains ':'")
            self.audiences[audience.key] = audience
        for kind, checker in feature.access_checkers:
            if kind in self.access_checkers:
                raise ValueError(f"access kind {kind!r} checked twice")
            self.access_checkers[kind] = checker
        for kind, handler in feature.notice_handlers:
            if kind in self.notice_handlers:
                raise ValueError(f"notice kind {kind!r} handled twice")
            self.notice_handlers[kind] = handler
        if feature.demo is not None:
            self.seeders.append(feature.demo)
        if feature.api is not None:
            self.api.append(feature.api)

    def has(self, name: str) -> bool:
        return any(feature.name == name for feature in self.features)


def install(app: Flask, features: Iterable[Feature]) -> Registry:
    """Register `features` on `app`: blueprints, commands and per-app hooks, in the order given."""
    found = Registry()
    app.extensions[_EXTENSION_KEY] = found
    for feature in features:
        found.add(feature)
        for blueprint in feature.blueprints:
            app.register_blueprint(blueprint)
        for command in feature.commands:
            app.cli.add_command(command)
        if feature.setup is not None:
            feature.setup(app)
    return found


def registry(app: Flask | None = None) -> Registry:
    """The registry of `app` (the current app when not given)."""
    target = app if app is not None else current_app
    found: Registry = target.extensions[_EXTENSION_KEY]
    return found
