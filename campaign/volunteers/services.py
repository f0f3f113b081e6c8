"""Volunteers: sign-up with double opt-in, review by organisers, magic-link sign-in, erasure.

Every function here is one unit of work and commits it. Who may see which group is decided by
`campaign.volunteers.permissions`; staff queries always go through it.
"""
from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, delete, exists, false, func, or_, select, update

from campaign import erasure, happenings, notices, sessions, tokens
from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.extensions import db
from campaign.features import Figure
from campaign.i18n import languages
from campaign.links import absolute_url
from campaign.mail import services as mail
from campaign.newsletter.services import subscribe_confirmed
from campaign.privacy import normalise_email
from campaign.timeutil import org_today, utcnow
from campaign.volunteers import visibility
from campaign.volunteers.models import (
    TRANSITIONS,
    Invitation,
    InvitationState,
    Membership,
    Status,
    StatusChange,
    Task,
    TaskStatus,
    Volunteer,
    VolunteerNote,
    WorkingGroup,
    interest_table,
    task_assignees,
)
from campaign.volunteers.permissions import staff_group_ids

logger = logging.getLogger(__name__)

CONFIRM_PURPOSE = "volunteer-confirm"
CONFIRM_MAX_AGE = 7 * 86400
SIGNIN_PURPOSE = "volunteer-signin"
SIGNIN_MAX_AGE = 15 * 60


class VolunteerError(Exception):
    """Base for this feature's refusals; the message is shown to the user."""


class LinkInvalid(VolunteerError):
    pass


class TransitionNotAllowed(VolunteerError):
    """The volunteer's current status cannot be followed by the one asked for."""

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(str(_l("A volunteer cannot go from “%(current)s” to “%(wanted)s”.",
                                current=current, wanted=wanted)))
        self.current = current
        self.wanted = wanted


@dataclass
class Answers:
    """What the public form (or the profile page) collects."""

    nickname: str
    email: str = ""
    contact_kind: str = ""
    contact: str = ""
    region: str = ""
    languages: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    skills_other: str = ""
    hours_per_week: int = 0
    motivation: str = ""
    group_ids: list[int] = field(default_factory=list)
    consent_contact: bool = False
    newsletter: bool = False
    availability: str = ""
    mail_consent: bool = False


def find(email: str) -> Volunteer | None:
    return db.session.scalar(select(Volunteer).where(Volunteer.email == normalise_email(email)))


def _apply(volunteer: Volunteer, answers: Answers, public_form: bool = True) -> None:
    volunteer.nickname = answers.nickname.strip()[:60]
    volunteer.contact_kind = answers.contact_kind if answers.contact.strip() else ""
    volunteer.contact = answers.contact.strip()[:100]
    volunteer.region = answers.region.strip()[:80]
    volunteer.languages = ",".join(answers.languages)[:200]
    volunteer.skills = ",".join(answers.skills)[:300]
    volunteer.skills_other = answers.skills_other.strip()[:300]
    volunteer.hours_per_week = max(0, min(answers.hours_per_week, 80))
    volunteer.consent_contact = answers.consent_contact
    volunteer.mail_consent = answers.mail_consent
    volunteer.availability = answers.availability.strip()[:300]
    if public_form:
        volunteer.motivation = answers.motivation.strip()[:2000]
        volunteer.newsletter = volunteer.newsletter or answers.newsletter
        volunteer.interests = _interest_groups(answers.group_ids)
    volunteer.updated_at = utcnow()


def _interest_groups(ids: Iterable[int]) -> list[WorkingGroup]:
    """Only open, non-confidential groups can be chosen, whatever the form was sent with."""
    wanted = list(ids)
    if not wanted:
        return []
    return list(db.session.scalars(visibility.visible_groups(None).where(WorkingGroup.id.in_(wanted))))


def public_groups() -> list[WorkingGroup]:
    """Groups listed on the public form."""
    return list(db.session.scalars(visibility.visible_groups(None)))


def sign_up(answers: Answers, locale: str) -> None:
    """Take a sign-up from the public form: one notice, whatever the address; the worker records
    it and mails the confirmation link (`handle_sign_up`)."""
    data = asdict(answers)
    address = normalise_email(data.pop("email"))
    notices.queue("volunteers.sign_up", address, locale, answers=data)
    db.session.commit()


def handle_sign_up(notice: notices.Notice) -> None:
    """Worker: record a sign-up and mail the confirmation link.

    A known address keeps its record: the new answers wait until that address confirms them, so
    typing someone else's address changes nothing of theirs. A blocked person gets no mail.
    """
    answers = Answers(email=notice.address, **notice.data["answers"])
    volunteer = find(notice.address)
    if volunteer is None:
        volunteer = Volunteer(email=notice.address, locale=notice.locale)
        _apply(volunteer, answers)
        db.session.add(volunteer)
    elif volunteer.status == Status.BLOCKED.value:
        logger.info("sign-up for blocked volunteer %s ignored", volunteer.id)
        return
    else:
        data = asdict(answers)
        data.pop("email")
        volunteer.pending_answers = json.dumps(data, ensure_ascii=False)
    volunteer.confirm_nonce = secrets.token_urlsafe(16)
    db.session.flush()
    link = absolute_url("volunteers.confirm", token=tokens.make(CONFIRM_PURPOSE, volunteer.id,
                                                               volunteer.confirm_nonce))
    # No typed nickname in the greeting until the address is confirmed (a stranger may have typed it).
    mail.send_unsolicited(notice.address, "volunteer_confirm", notice.locale,
                      _l("Please confirm your volunteer sign-up"), link=link)



def confirm(token: str) -> Volunteer:
    """Confirm the address: the person becomes visible to organisers, or their update applies."""
    try:
        # A spent link's nonce is gone: "" never matches, since no link is made without one.
        volunteer = tokens.open_link(CONFIRM_PURPOSE, token, CONFIRM_MAX_AGE, Volunteer,
                                     lambda volunteer: volunteer.confirm_nonce or None)
    except tokens.TokenExpired:
        raise LinkInvalid(str(_l("This link has expired. Please sign up again."))) from None
    except tokens.TokenInvalid:
        raise LinkInvalid(str(_l("This link is not valid or was already used."))) from None
    if volunteer.pending_answers:
        _apply(volunteer, Answers(**json.loads(volunteer.pending_answers)))
        volunteer.pending_answers = ""
    if volunteer.confirmed_at is None:
        volunteer.confirmed_at = utcnow()
        db.session.add(StatusChange(volunteer_id=volunteer.id, to_status=volunteer.status))
        happenings.record(happenings.VOLUNTEER_CONFIRMED, "volunteer", volunteer.id)
    volunteer.confirm_nonce = ""
    if volunteer.newsletter and volunteer.email:
        subscribe_confirmed(volunteer.email, volunteer.nickname, volunteer.locale, source="volunteer")
    audit.record(None, "volunteer.confirmed", "volunteer", volunteer.id)
    db.session.commit()
    return volunteer


# --- review ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    q: str = ""
    status: str = ""
    group_id: int | None = None
    skill: str = ""
    language: str = ""
    region: str = ""
    tag: str = ""
    since: date | None = None
    until: date | None = None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _list_contains(column: Any, key: str) -> Any:
    return ("," + column + ",").like(_like("," + key + ","), escape="\\")


def review_query(user: User, filters: Filters) -> Select[Volunteer]:
    """Confirmed volunteers matching the filters, newest first. Filtering by a group the user
    may not see matches nobody, so a confidential group cannot be probed through the list."""
    stmt = select(Volunteer).where(Volunteer.confirmed_at.is_not(None), Volunteer.erased_at.is_(None))
    if filters.status:
        stmt = stmt.where(Volunteer.status == filters.status)
    if filters.group_id:
        if filters.group_id not in staff_group_ids(user):
            return stmt.where(false())
        stmt = stmt.where(exists().where(interest_table.c.volunteer_id == Volunteer.id,
                                         interest_table.c.group_id == filters.group_id))
    if filters.skill:
        stmt = stmt.where(_list_contains(Volunteer.skills, filters.skill))
    if filters.language:
        stmt = stmt.where(_list_contains(Volunteer.languages, filters.language))
    if filters.tag:
        stmt = stmt.where(_list_contains(Volunteer.tags, filters.tag.strip().lower()))
    if filters.region:
        stmt = stmt.where(Volunteer.region.ilike(_like(filters.region.strip()), escape="\\"))
    if filters.since:
        stmt = stmt.where(Volunteer.created_at >= datetime.combine(filters.since, time.min))
    if filters.until:
        stmt = stmt.where(Volunteer.created_at < datetime.combine(filters.until + timedelta(days=1), time.min))
    if filters.q:
        needle = _like(filters.q.strip())
        stmt = stmt.where(or_(
            Volunteer.nickname.ilike(needle, escape="\\"),
            Volunteer.region.ilike(needle, escape="\\"),
            Volunteer.skills_other.ilike(needle, escape="\\"),
            Volunteer.tags.ilike(needle, escape="\\"),
            Volunteer.email == normalise_email(filters.q),
        ))
    return stmt.order_by(Volunteer.created_at.desc(), Volunteer.id.desc())


def reviewable(volunteer_id: int) -> Volunteer | None:
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.confirmed_at is None:
        return None
    return volunteer


def history(volunteer: Volunteer) -> list[StatusChange]:
    return list(db.session.scalars(select(StatusChange).where(
        StatusChange.volunteer_id == volunteer.id).order_by(StatusChange.at, StatusChange.id)))


def notes(volunteer: Volunteer) -> list[VolunteerNote]:
    return list(db.session.scalars(select(VolunteerNote).where(
        VolunteerNote.volunteer_id == volunteer.id).order_by(VolunteerNote.id.desc())))


def may_move(volunteer: Volunteer, status: Status) -> bool:
    return volunteer.status == status.value or status in TRANSITIONS[Status(volunteer.status)]


def is_vetted(volunteer: Volunteer) -> bool:
    """Someone staff vetted (a dated "vetted" entry in their history) and who has not since been
    blocked or left: the only people who may join a confidential or vetted-only group."""
    if volunteer.status in {Status.BLOCKED.value, Status.LEFT.value, Status.NEW.value, Status.CONTACTED.value}:
        return False
    return db.session.scalar(select(StatusChange.id).where(
        StatusChange.volunteer_id == volunteer.id, StatusChange.to_status == Status.VETTED.value).limit(1)) \
        is not None


def record_status(volunteer: Volunteer, status: Status, actor: User | None, vouched_by: str = "",
                  note: str = "", erasing: bool = False) -> None:
    """Add a status change to the caller's transaction: dated history, audit entry, and on a block
    the revocation of everything the person could still use. Raises TransitionNotAllowed for a
    move the life cycle (`models.TRANSITIONS`) does not allow; erasure always ends in LEFT."""
    if volunteer.status == status.value and not vouched_by:
        return
    if not erasing and not may_move(volunteer, status):
        raise TransitionNotAllowed(volunteer.status, status.value)
    db.session.add(StatusChange(volunteer_id=volunteer.id, from_status=volunteer.status,
                                to_status=status.value, actor_id=actor.id if actor else None,
                                vouched_by=vouched_by.strip()[:120], note=note.strip()[:300]))
    audit.record(actor, "volunteer.status", "volunteer", volunteer.id,
                 f"{volunteer.status} -> {status.value}")
    volunteer.status = status.value
    if status is Status.BLOCKED:
        _revoke_everything(volunteer)


def _revoke_everything(volunteer: Volunteer) -> None:
    """End sessions, void magic links and invitations, remove every membership and take the person
    off every open task, at once."""
    volunteer.session_version += 1
    sessions.mark_all_ended(sessions.VOLUNTEER, volunteer.id, "revoked")
    open_tasks = select(Task.id).where(Task.status != TaskStatus.DONE.value)
    db.session.execute(delete(task_assignees).where(task_assignees.c.volunteer_id == volunteer.id,
                                                    task_assignees.c.task_id.in_(open_tasks)))
    db.session.execute(delete(Membership).where(Membership.volunteer_id == volunteer.id))
    db.session.execute(update(Invitation).where(
        Invitation.volunteer_id == volunteer.id, Invitation.state == InvitationState.PENDING.value
    ).values(state=InvitationState.WITHDRAWN.value, responded_at=utcnow()))
    db.session.expire(volunteer, ["memberships"])


def set_status(actor: User, volunteer: Volunteer, status: Status, vouched_by: str = "", note: str = "") -> None:
    """Move a volunteer to a status, dated in their history and in the audit log."""
    record_status(volunteer, status, actor, vouched_by, note)
    db.session.commit()


def add_note(actor: User, volunteer: Volunteer, body: str) -> None:
    db.session.add(VolunteerNote(volunteer_id=volunteer.id, author_id=actor.id, body=body.strip()[:4000]))
    audit.record(actor, "volunteer.note", "volunteer", volunteer.id)
    db.session.commit()


def _clean_tags(raw: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for tag in raw:
        tag = tag.strip().lower().replace(",", " ")[:30]
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def set_tags(actor: User, volunteer: Volunteer, raw: str) -> None:
    volunteer.tags = ",".join(_clean_tags(raw.split(",")))[:300]
    audit.record(actor, "volunteer.tags", "volunteer", volunteer.id)
    db.session.commit()


def reveal_contact(actor: User, volunteer: Volunteer) -> None:
    """Staff see an address only through this, so every look is in the audit log."""
    audit.record(actor, "volunteer.contact_viewed", "volunteer", volunteer.id)
    db.session.commit()


def bulk_tag(actor: User, ids: Sequence[int], tag: str) -> int:
    new = _clean_tags([tag])
    if not new:
        return 0
    people = _selected(ids)
    for volunteer in people:
        volunteer.tags = ",".join(_clean_tags([*volunteer.tag_list, *new]))[:300]
    audit.record(actor, "volunteer.bulk_tag", "volunteer", "", f"{len(people)} people")
    db.session.commit()
    return len(people)


def bulk_status(actor: User, ids: Sequence[int], status: Status) -> int:
    """Move the chosen people whose status allows it; returns how many moved."""
    people = [v for v in _selected(ids) if may_move(v, status)]
    for volunteer in people:
        record_status(volunteer, status, actor)
    db.session.commit()
    return len(people)


def _selected(ids: Sequence[int]) -> list[Volunteer]:
    if not ids:
        return []
    return list(db.session.scalars(select(Volunteer).where(
        Volunteer.id.in_(list(ids)), Volunteer.confirmed_at.is_not(None), Volunteer.erased_at.is_(None))))


EXPORT_HEADER = ["id", "nickname", "email", "contact_kind", "contact", "region", "languages", "skills",
                 "skills_other", "hours_per_week", "status", "tags", "groups_of_interest", "signed_up"]


def export(actor: User, ids: Sequence[int]) -> tuple[list[str], Iterator[list[Any]]]:
    """Rows for a CSV of the chosen volunteers; logged, as it reveals contact details.

    Groups of interest are only ever listed groups, so a confidential group never appears.
    """
    people = _selected(ids)
    lang = languages().default.code  # the organisation's own language
    audit.record(actor, "volunteer.export", "volunteer", "", f"{len(people)} people")
    db.session.commit()
    rows = ([v.id, v.nickname, v.email, v.contact_kind, v.contact, v.region, v.languages, v.skills,
             v.skills_other, v.hours_per_week, v.status, v.tags,
             ";".join(g.text("name", lang) for g in v.interests if not g.confidential),
             v.created_at.date().isoformat()] for v in people)
    return EXPORT_HEADER, rows


# --- the volunteer's own space -------------------------------------------------------------------


def _signin_state(volunteer: Volunteer) -> str:
    # Using the link sets last_login_at, which changes this state: the link works once.
    stamp = volunteer.last_login_at.isoformat() if volunteer.last_login_at else ""
    return f"{volunteer.session_version}:{stamp}"


def request_signin(email: str, locale: str, target: str | None = None) -> None:
    """Take a sign-in request: one notice, whatever the address, so neither the page nor its
    timing says who volunteers; the worker mails a link only to a confirmed, unblocked volunteer.
    `target`, a checked path in the volunteer's space, rides on the link so it lands there."""
    notices.queue("volunteers.sign_in", normalise_email(email), locale, target=target or "")
    db.session.commit()


def handle_signin(notice: notices.Notice) -> None:
    volunteer = find(notice.address)
    if (volunteer is None or volunteer.confirmed_at is None or volunteer.erased_at is not None
            or volunteer.status == Status.BLOCKED.value or not volunteer.email):
        return
    token = tokens.make(SIGNIN_PURPOSE, volunteer.id, _signin_state(volunteer))
    target = str(notice.data.get("target", ""))
    link = absolute_url("volunteers.signin_link", token=token, **({"next": target} if target else {}))
    mail.send_unsolicited(volunteer.email, "volunteer_signin", volunteer.locale, _l("Your sign-in link"), link=link)



def use_signin_link(token: str) -> Volunteer:
    """Spend a sign-in link; return the volunteer whose session may now start."""
    try:
        volunteer = tokens.open_link(SIGNIN_PURPOSE, token, SIGNIN_MAX_AGE, Volunteer, _signin_state)
        if volunteer.status == Status.BLOCKED.value or volunteer.erased_at is not None:
            raise tokens.LinkSpent()
    except tokens.TokenExpired:
        raise LinkInvalid(str(_l("This sign-in link has expired. Ask for a new one."))) from None
    except tokens.TokenInvalid:
        raise LinkInvalid(str(_l("This sign-in link is not valid or was already used."))) from None
    volunteer.last_login_at = utcnow()
    db.session.commit()
    return volunteer


def session_ident(volunteer: Volunteer) -> str:
    return f"{volunteer.id}:{volunteer.session_version}"


def from_session(ident: str) -> Volunteer | None:
    volunteer_id, _sep, version = ident.partition(":")
    if not volunteer_id.isdigit():
        return None
    volunteer = db.session.get(Volunteer, int(volunteer_id))
    if (volunteer is None or str(volunteer.session_version) != version or volunteer.erased_at is not None
            or volunteer.status == Status.BLOCKED.value):
        return None
    return volunteer


def update_profile(volunteer: Volunteer, answers: Answers) -> None:
    _apply(volunteer, answers, public_form=False)
    db.session.commit()


def erase(volunteer: Volunteer) -> None:
    """Delete my data: personal fields go, the work done stays under "former volunteer"."""
    _erase(volunteer)
    db.session.commit()
    erasure.settle(ERASED_TABLES)


# Tables where erasing a volunteer deletes or blanks rows (vacuumed afterwards, campaign/erasure.py).
ERASED_TABLES = ("volunteers", "volunteer_notes", "volunteer_status_changes", "volunteer_interests")


def _erase(volunteer: Volunteer) -> None:
    for name in ("nickname", "contact_kind", "contact", "region", "languages", "skills", "skills_other",
                 "availability", "motivation", "tags", "pending_answers", "confirm_nonce"):
        setattr(volunteer, name, "")
    volunteer.email = None
    volunteer.hours_per_week = 0
    volunteer.consent_contact = False
    volunteer.mail_consent = False
    volunteer.newsletter = False
    volunteer.interests = []
    volunteer.erased_at = utcnow()
    db.session.execute(delete(VolunteerNote).where(VolunteerNote.volunteer_id == volunteer.id))
    db.session.execute(update(StatusChange).where(StatusChange.volunteer_id == volunteer.id)
                       .values(vouched_by="", note=""))
    _revoke_everything(volunteer)
    record_status(volunteer, Status.LEFT, None, erasing=True)
    audit.record(None, "volunteer.erased", "volunteer", volunteer.id)


# --- data rights (/my-data): what we hold on an address, and its erasure -------------------------


def collect_personal_data(address: str) -> list[dict[str, Any]]:
    """The person's own record: their answers, history and groups. Staff notes and tags are
    internal assessments and stay out, like the vetting details of who vouched."""
    volunteer = find(address)
    if volunteer is None:
        return []
    return [{
        "nickname": volunteer.nickname, "email": volunteer.email, "contact_kind": volunteer.contact_kind,
        "contact": volunteer.contact, "region": volunteer.region, "languages": volunteer.language_list,
        "skills": volunteer.skill_list, "skills_other": volunteer.skills_other,
        "hours_per_week": volunteer.hours_per_week, "availability": volunteer.availability,
        "motivation": volunteer.motivation, "may_contact": volunteer.consent_contact,
        "mail_for_volunteers": volunteer.mail_consent,
        "status": volunteer.status, "signed_up": volunteer.created_at.isoformat(timespec="seconds"),
        "confirmed": volunteer.confirmed_at.isoformat(timespec="seconds") if volunteer.confirmed_at else None,
        "groups": [m.group.text("name", volunteer.locale) for m in volunteer.memberships],
        "history": [{"at": h.at.isoformat(timespec="seconds"), "status": h.to_status} for h in history(volunteer)],
    }]


def erase_personal_data(address: str) -> int:
    """Erase in the caller's transaction (the data-rights page erases every feature at once)."""
    volunteer = find(address)
    if volunteer is None:
        return 0
    _erase(volunteer)
    return 1


def staff_figures() -> list[Figure]:
    """The staff home's volunteer figures, counted over what the signed-in organiser may see."""
    user: User = current_user
    group_ids = staff_group_ids(user)
    awaiting = db.session.scalar(select(func.count(Volunteer.id)).where(
        Volunteer.confirmed_at.is_not(None), Volunteer.erased_at.is_(None),
        Volunteer.status == Status.NEW.value)) or 0
    todos = group_todos(group_ids).values()
    invitations = sum(t.invitations for t in todos)
    overdue = sum(t.overdue for t in todos)
    return [
        Figure(_l("Volunteers awaiting review"), awaiting, "volunteers.review",
               (("status", Status.NEW.value),), todo=True),
        Figure(_l("Unanswered invitations"), invitations, "volunteers.groups", (("todo", TODO_INVITATIONS),),
               todo=True),
        Figure(_l("Overdue tasks"), overdue, "volunteers.groups", (("todo", TODO_OVERDUE),), todo=True),
    ]


TODO_INVITATIONS = "invitations"
TODO_OVERDUE = "overdue"


def _overdue() -> ColumnElement[bool]:
    """A WHERE clause on Task: due before the organisation's today and not done."""
    return (Task.due_on < org_today()) & (Task.status != TaskStatus.DONE.value)


@dataclass(frozen=True)
class GroupTodos:
    invitations: int = 0
    overdue: int = 0


def group_todos(group_ids: Iterable[int]) -> dict[int, GroupTodos]:
    """Per group: invitations not yet answered and overdue tasks (the staff home's to-dos, group by group)."""
    ids = list(group_ids)
    invitations: dict[int, int] = {gid: n for gid, n in db.session.execute(
        select(Invitation.group_id, func.count(Invitation.id)).where(
            Invitation.state == InvitationState.PENDING.value, Invitation.group_id.in_(ids))
        .group_by(Invitation.group_id))}
    overdue: dict[int, int] = {gid: n for gid, n in db.session.execute(
        select(Task.group_id, func.count(Task.id)).where(Task.group_id.in_(ids), _overdue())
        .group_by(Task.group_id))}
    return {gid: GroupTodos(invitations.get(gid, 0), overdue.get(gid, 0)) for gid in ids}
