"""A petition's life after signing: updates and the target's answer, and paper signatures.

Updates and answers are mailed through the newsletter's dispatch engine (an issue addressed to
the `petition-updates:<id>` audience), so they keep its crash safety, throttling and one-click
unsubscribe. Paper signatures are typed in by staff, counted like confirmed online ones, and
follow the same duplicate rule (one per petition and normalised email, when an email is given).
"""
from __future__ import annotations

import csv
import io
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from campaign.audit import services as audit
from campaign.auth.models import User
from campaign.extensions import db
from campaign.i18n import languages
from campaign.links import absolute_url
from campaign.markup import render_translations
from campaign.newsletter import services as newsletter
from campaign.petitions.forms import EMAIL_SHAPE
from campaign.petitions.milestones import note_count_change
from campaign.petitions.models import (
    Display,
    Petition,
    PetitionUpdate,
    Signature,
    SignatureStatus,
    Source,
    UpdateKind,
)
from campaign.petitions.services import petition_changed
from campaign.privacy import normalise_email
from campaign.timeutil import org_today, utcnow

logger = logging.getLogger(__name__)

UPDATES_AUDIENCE = "petition-updates"
MAX_PAPER_ROWS = 20_000
EMAIL_SHAPE_RE = re.compile(EMAIL_SHAPE)
PAPER_EMAIL_PREFIX = "paper-"  # a paper signature given without an email: no one can sign with it


class LifeError(Exception):
    """Base of this module's errors."""


class PaperDuplicate(LifeError):
    """This email has signed this petition already (online or on paper)."""


# --- updates and the target's answer ------------------------------------------------------------


@dataclass
class UpdateData:
    kind: str
    title: dict[str, str]  # {locale code: text}
    body: dict[str, str] = field(default_factory=dict)  # Markdown
    answered_on: date | None = None
    no_answer_days: int | None = None
    mail: bool = True


def updates_of(petition_id: int) -> Sequence[PetitionUpdate]:
    """A petition's updates and answers, newest first."""
    return db.session.scalars(
        select(PetitionUpdate).where(PetitionUpdate.petition_id == petition_id)
        .order_by(PetitionUpdate.created_at.desc(), PetitionUpdate.id.desc())
    ).all()


def update_audience(petition_id: int) -> str:
    return f"{UPDATES_AUDIENCE}:{petition_id}"


def post_update(petition: Petition, data: UpdateData, actor: User) -> tuple[PetitionUpdate, int]:
    """Publish an update (or the target's answer) on the petition page, then, if asked, mail it
    to the signers who opted in, as a newsletter issue. Returns the update and how many it goes to.
    """
    entry = PetitionUpdate(petition_id=petition.id, kind=data.kind, answered_on=data.answered_on,
                           no_answer_days=data.no_answer_days, created_by_id=actor.id)
    entry.set_text("title", data.title)
    entry.set_text("body", data.body)
    entry.body_html = render_translations(entry.body)
    db.session.add(entry)
    petition.updated_at = utcnow()  # the page shows it: a new cache key everywhere
    db.session.flush()
    audit.record(actor, f"petition.{data.kind}", "petition", petition.id, detail=f"update {entry.id}")
    db.session.commit()
    petition_changed.send(petition.id)
    if not data.mail:
        return entry, 0
    subjects: dict[str, str] = {}
    bodies: dict[str, str] = {}
    for code in languages().codes:
        with force_locale(code):
            subjects[code] = _mail_subject(petition, entry, code)
            bodies[code] = _mail_body(petition, entry, code)
    issue = newsletter.create_issue(newsletter.IssueData(
        subject=subjects, body=bodies, segment=update_audience(petition.id),
    ), actor)
    try:
        count = newsletter.start_send(issue.id, actor)
    except newsletter.NewsletterError:
        # Nobody opted in (yet): the draft issue is left out of the newsletter's list.
        db.session.delete(issue)
        db.session.commit()
        return entry, 0
    entry.issue_id = issue.id
    db.session.commit()
    return entry, count


def _mail_subject(petition: Petition, entry: PetitionUpdate, lang: str) -> str:
    # Called with the locale forced to `lang`, so the words around the texts are in it too.
    title = petition.text("title", lang)
    if entry.kind == UpdateKind.ANSWER.value:
        return _("The answer to “%(title)s”", title=title)
    return _("%(update)s · %(petition)s", update=entry.text("title", lang), petition=title)


def _mail_body(petition: Petition, entry: PetitionUpdate, lang: str) -> str:
    # Sent as the organisers wrote it (or its fallback); no merge fields are added.
    body = entry.text("body", lang)
    link = absolute_url("petitions.show", slug=petition.slug)
    parts = [f"## {entry.text('title', lang)}"]
    if entry.kind == UpdateKind.ANSWER.value and entry.no_answer_days and not body.strip():
        parts.append(_("No answer after %(days)d days.", days=entry.no_answer_days))
    if body.strip():
        parts.append(body)
    parts.append(f"[{petition.text('title', lang)}]({link})")
    return "\n\n".join(parts)


# --- paper signatures ---------------------------------------------------------------------------


@dataclass
class PaperRow:
    name: str
    email: str = ""
    region: str = ""
    signed_on: date | None = None


@dataclass
class PaperImport:
    added: int = 0
    rejected: list[tuple[int, object]] = field(default_factory=list)  # (line, reason)


def check_paper_row(row: PaperRow, today: date) -> object | None:
    """Why a paper row cannot be kept (a translatable reason), or None."""
    if any("\x00" in text for text in (row.name, row.email, row.region)):
        # PostgreSQL cannot store NUL: the row is refused here rather than failing the whole upload.
        return _l("This row contains an invisible control character (NUL) that cannot be stored.")
    if not row.name.strip():
        return _l("No name.")
    if len(row.name.strip()) > 80:
        return _l("The name is longer than 80 characters.")
    if len(row.region.strip()) > 60:
        return _l("The region is longer than 60 characters.")
    if row.email and (len(row.email) > 254 or not EMAIL_SHAPE_RE.match(row.email.strip())):
        return _l("The email address is not valid.")
    if row.signed_on is not None and row.signed_on > today:
        return _l("The date is in the future.")
    return None


def _paper_values(petition_id: int, row: PaperRow, now: datetime) -> dict[str, Any]:
    email = normalise_email(row.email) if row.email.strip() else PAPER_EMAIL_PREFIX + secrets.token_hex(8)
    when = datetime.combine(row.signed_on, time(12)) if row.signed_on else now
    return {
        "petition_id": petition_id, "email": email, "name": row.name.strip(), "region": row.region.strip(),
        "comment": "", "display": Display.INITIALS.value, "newsletter": False, "updates": False,
        "source": Source.PAPER.value, "locale": "zh_Hans", "status": SignatureStatus.CONFIRMED.value,
        "src": "", "created_at": now, "confirmed_at": when, "hidden": False, "comment_hidden": False,
        "mail_due": False, "mail_error": "",
    }


def _add_to_count(petition_id: int, added: int) -> None:
    db.session.execute(
        update(Petition).where(Petition.id == petition_id)
        .values(signature_count=Petition.signature_count + added, updated_at=Petition.updated_at)
    )
    note_count_change(petition_id)


def add_paper_signature(petition: Petition, row: PaperRow, actor: User) -> Signature:
    """Keep one signature from a paper sheet, confirmed and counted; audit-logged.

    Raises PaperDuplicate if its email has signed this petition already. Paper signers get no
    mail: their consent to mail was not given to us in a way we can check."""
    reason = check_paper_row(row, org_today())
    if reason is not None:
        raise ValueError(str(reason))
    values = _paper_values(petition.id, row, utcnow())
    if row.email.strip() and _existing_emails(petition.id, [values["email"]]):
        raise PaperDuplicate()
    signature = Signature(**values)
    db.session.add(signature)
    try:
        db.session.flush()
    except IntegrityError:
        # The same address signed online between the check and now: the unique key decides.
        db.session.rollback()
        raise PaperDuplicate() from None
    _add_to_count(petition.id, 1)
    audit.record(actor, "petition.paper_add", "petition_signature", signature.id, detail=f"petition {petition.id}")
    db.session.commit()
    petition_changed.send(petition.id)
    return signature


def _existing_emails(petition_id: int, emails: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(emails), 500):
        found.update(db.session.scalars(select(Signature.email).where(
            Signature.petition_id == petition_id, Signature.email.in_(emails[start:start + 500]))))
    return found


_HEADERS = {
    "name": ("name", "姓名", "名字"),
    "email": ("email", "e-mail", "邮箱", "电子邮件"),
    "region": ("region", "地区"),
    "date": ("date", "日期"),
}


def _parse_date(raw: str) -> date:
    return datetime.strptime(raw.strip().replace("/", "-"), "%Y-%m-%d").date()


def parse_paper_csv(text: str) -> tuple[list[tuple[int, PaperRow]], list[tuple[int, object]]]:
    """Rows of a paper-signature CSV (header: name, email, region, date; English or Chinese),
    with the line numbers of rows that cannot be read and why."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except (StopIteration, csv.Error):
        return [], [(1, _l("The file is empty."))]
    columns = {key: next((i for i, cell in enumerate(header) if cell in words), None)
               for key, words in _HEADERS.items()}
    if columns["name"] is None:
        return [], [(1, _l("The first line must name the columns; a \"name\" column is required."))]
    rows: list[tuple[int, PaperRow]] = []
    rejected: list[tuple[int, object]] = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            line += 1
            rejected.append((line, _l("This line cannot be read as CSV.")))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(rejected) >= MAX_PAPER_ROWS:
            rejected.append((line, _l("Too many rows: upload at most %(count)s at a time.", count=MAX_PAPER_ROWS)))
            break

        def cell(key: str, cells: list[str] = cells) -> str:
            index = columns[key]
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            signed_on = _parse_date(cell("date")) if cell("date") else None
        except ValueError:
            rejected.append((line, _l("The date is not a date (write it as 2026-03-08).")))
            continue
        rows.append((line, PaperRow(name=cell("name"), email=cell("email"), region=cell("region"),
                                    signed_on=signed_on)))
    return rows, rejected


def import_paper_csv(petition: Petition, text: str, actor: User) -> PaperImport:
    """Keep every good row of a paper-signature CSV in one transaction; report the others."""
    for _attempt in range(2):
        try:
            return _import_paper_rows(petition, text, actor)
        except IntegrityError:
            # An address in the file signed online between the duplicate check and the insert:
            # check again, and that row is reported as a duplicate like any other.
            db.session.rollback()
    return _import_paper_rows(petition, text, actor)


def _import_paper_rows(petition: Petition, text: str, actor: User) -> PaperImport:
    rows, rejected = parse_paper_csv(text)
    result = PaperImport(rejected=list(rejected))
    today = org_today()
    now = utcnow()
    good: list[tuple[int, dict[str, Any], bool]] = []
    for line, row in rows:
        reason = check_paper_row(row, today)
        if reason is not None:
            result.rejected.append((line, reason))
            continue
        good.append((line, _paper_values(petition.id, row, now), bool(row.email.strip())))
    existing = _existing_emails(petition.id, [values["email"] for _line, values, has in good if has])
    kept: list[dict[str, Any]] = []
    for line, values, has_email in good:
        if has_email and values["email"] in existing:
            result.rejected.append((line, _l("This email has signed this petition already.")))
            continue
        existing.add(values["email"])
        kept.append(values)
    result.rejected.sort(key=lambda item: item[0])
    if kept:
        db.session.execute(insert(Signature), kept)
        _add_to_count(petition.id, len(kept))
    result.added = len(kept)
    audit.record(actor, "petition.paper_import", "petition", petition.id,
                 detail=f"{len(kept)} added, {len(result.rejected)} rejected")
    db.session.commit()
    petition_changed.send(petition.id)
    return result


# The sheet's printed words, each in every language the petition is written in.
SHEET_WORDS = {
    "title": _l("Printable signature sheet"), "scan": _l("Scan to sign online"), "to": _l("To:"),
    "note": _l("By signing you agree that your name and region are delivered with this petition. Email is "
               "optional, used only to avoid double signatures; we will not mail you."),
    "name": _l("Name"), "region": _l("Region"), "email": _l("Email (optional)"), "date": _l("Date"),
    "signature": _l("Signature"),
}


@dataclass(frozen=True)
class SheetVersion:
    """The paper sheet's texts in one language: the petition's as written, the printed words translated."""

    tag: str
    title: str
    target: str
    summary: str
    words: dict[str, str]


def sheet_versions(petition: Petition) -> list[SheetVersion]:
    """One version per configured language the petition's title is written in, in the configured order."""
    versions = []
    for lang in languages().ordered:
        title = petition.title.get(lang.code)
        if not title:
            continue
        with force_locale(lang.code):
            words = {key: str(text) for key, text in SHEET_WORDS.items()}
        versions.append(SheetVersion(lang.tag, title, (petition.target or {}).get(lang.code, ""),
                                     (petition.summary or {}).get(lang.code, ""), words))
    return versions


def sheet_words(versions: Sequence[SheetVersion], key: str) -> list[tuple[str, str]]:
    """(tag, word) of one printed word in each version, without repeats (简体 and 繁體 often agree)."""
    found: list[tuple[str, str]] = []
    for version in versions:
        word = version.words[key]
        if all(word != seen for _tag, seen in found):
            found.append((version.tag, word))
    return found


def source_counts(petition_id: int) -> dict[str, int]:
    """Confirmed signatures by source (online, paper)."""
    rows = db.session.execute(
        select(Signature.source, func.count()).where(
            Signature.petition_id == petition_id, Signature.status == SignatureStatus.CONFIRMED.value)
        .group_by(Signature.source)
    ).all()
    counts = {source.value: 0 for source in Source}
    counts.update({source: int(n) for source, n in rows})
    return counts
