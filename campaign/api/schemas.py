"""The API's request and response shapes (marshmallow), which also write the OpenAPI document."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_smorest.error_handler import ErrorSchema
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from campaign.api.pagination import MAX_LIMIT, naive_utc
from campaign.i18n import languages
from campaign.petitions.models import Display


def _storable(value: str) -> None:
    """Refuse what no column can hold: NUL (PostgreSQL refuses it) and an unpaired surrogate
    (JSON's "\\ud800" alone, which is not Unicode and has no UTF-8 form)."""
    if "\x00" in value:
        raise ValidationError("Contains a NUL character, which cannot be stored.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Contains an unpaired surrogate, which is not valid Unicode.") from None


def text(**kwargs: Any) -> fields.String:
    """A string field of a request body, storable as it is."""
    extra = kwargs.pop("validate", None)
    return fields.String(validate=[_storable, *([extra] if extra else [])], **kwargs)


class UtcDateTime(fields.DateTime):
    """An ISO 8601 time, loaded as stored: naive UTC (a time without a zone is taken as UTC)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        found: datetime = super()._deserialize(value, attr, data, **kwargs)
        try:
            return naive_utc(found)
        except OverflowError:  # 0001-01-01T00:00+05:00 has no UTC time
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None


class ListArgs(Schema):
    """A list's query: an unknown parameter is refused (422), so a misspelt `modified_since` cannot
    silently return everything."""

    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": "Items per page (1 to 100)."})
    cursor = fields.String(load_default=None, validate=validate.Length(max=200),
                           metadata={"description": "The `next_cursor` of the previous page."})
    modified_since = UtcDateTime(load_default=None, metadata={
        "description": "Only items changed at or after this time (ISO 8601; UTC when no zone is given)."})
    lang = fields.String(load_default=None, validate=validate.Length(max=20), metadata={
        "description": "The language of error messages, a configured locale code (as on every page)."})


class Link(Schema):
    href = fields.String()


class PageLinks(Schema):
    next = fields.Nested(Link, allow_none=True)


def page_schema(name: str, item: type[Schema]) -> type[Schema]:
    """A page of `item`s with its cursor (one schema class per resource, for the document)."""
    attrs: dict[str, Any] = {
        "items": fields.List(fields.Nested(item), required=True),
        "next_cursor": fields.String(allow_none=True, required=True),
        "_links": fields.Nested(PageLinks, data_key="_links"),
    }
    return Schema.from_dict(attrs, name=name)


def translated(what: str, note: str = "") -> fields.Dict:
    """A text written in several languages: an object keyed by locale code."""
    return fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": f"{what} by locale code (e.g. zh_Hans, zh_Hant, en), in the languages it is written in."
                       + (f" {note}" if note else ""),
        "example": {"zh_Hans": "…", "en": "…"}})


def _configured_locale(value: str) -> None:
    if languages().by_any(value) is None:
        raise ValidationError(f"Not a configured language: {', '.join(languages().codes)}.")


class PetitionOut(Schema):
    id = fields.Integer()
    slug = fields.String()
    status = fields.String()
    title = translated("Title")
    summary = translated("Summary")
    target = translated("Target")
    goal = fields.Integer()
    signature_count = fields.Integer(metadata={"description": "Confirmed signatures."})
    closes_on = fields.Date(allow_none=True)
    url = fields.String()
    modified_at = fields.String()


class SignatureOut(Schema):
    id = fields.Integer()
    petition_id = fields.Integer()
    email = fields.String()
    name = fields.String()
    region = fields.String()
    comment = fields.String()
    display = fields.String()
    newsletter = fields.Boolean()
    source = fields.String()
    hidden = fields.Boolean()
    confirmed_at = fields.String(allow_none=True)


class SignatureIn(Schema):
    email = fields.Email(required=True, validate=[_storable, validate.Length(max=254)])
    name = text(required=True, validate=validate.Length(min=1, max=80))
    region = text(load_default="", validate=validate.Length(max=60))
    comment = text(load_default="", validate=validate.Length(max=500))
    display = fields.String(load_default=Display.INITIALS.value,
                            validate=validate.OneOf([d.value for d in Display]))
    newsletter = fields.Boolean(load_default=False, metadata={
        "description": "The signer asked for the newsletter (joins on confirmation)."})
    locale = fields.String(load_default=lambda: languages().default.code, validate=_configured_locale, metadata={
        "description": "The signer's language, a configured locale code (e.g. zh_Hans, zh_Hant, en); "
                       "by default the first configured one."})
    confirmed = fields.Boolean(load_default=False, metadata={
        "description": "Confirmed elsewhere: counts at once. Needs the signatures:import scope."})


class SignatureAccepted(Schema):
    status = fields.String(metadata={"description": "pending (a confirmation mail will be sent) or confirmed."})
    id = fields.Integer(allow_none=True, metadata={"description": "Given for confirmed imports only."})


class SubscriberOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    locale = fields.String()
    topics = fields.List(fields.String())
    confirmed_at = fields.String(allow_none=True)


class VolunteerOut(Schema):
    id = fields.Integer()
    email = fields.String(allow_none=True)
    nickname = fields.String()
    region = fields.String()
    languages = fields.List(fields.String())
    skills = fields.List(fields.String())
    status = fields.String()
    confirmed_at = fields.String(allow_none=True)


class IssueOut(Schema):
    id = fields.Integer()
    subject = translated("Subject")
    sent_at = fields.String(allow_none=True)
    url = fields.String()
    modified_at = fields.String()


class EventOut(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "published or cancelled."})
    title = translated("Title")
    area = translated("Area", "The public area only; the exact place goes to attendees.")
    online = fields.Boolean()
    start_date = fields.String()
    end_date = fields.String()
    capacity = fields.Integer()
    confirmed_count = fields.Integer(metadata={"description": "Places taken now."})
    rsvp_count = fields.Integer(metadata={"description": "Replies ever confirmed by mail."})
    checked_in_count = fields.Integer()
    walk_in_count = fields.Integer()
    modified_at = fields.String()


class RsvpOut(Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    nickname = fields.String()
    email = fields.String()
    status = fields.String(metadata={"description": "confirmed (holds a place) or waiting."})
    follow_up = fields.Boolean()
    confirmed_at = fields.String(allow_none=True)
    checked_in = fields.Boolean()


PetitionPage = page_schema("PetitionPage", PetitionOut)
EventPage = page_schema("EventPage", EventOut)
RsvpPage = page_schema("RsvpPage", RsvpOut)
SignaturePage = page_schema("SignaturePage", SignatureOut)
SubscriberPage = page_schema("SubscriberPage", SubscriberOut)
VolunteerPage = page_schema("VolunteerPage", VolunteerOut)
IssuePage = page_schema("IssuePage", IssueOut)


# The named reasons; any other error's reason is its HTTP status in snake case ("not_found").
REASONS = ("key_invalid", "scope_missing", "rate_limited", "invalid_cursor", "import_scope_missing",
           "petition_closed", "already_signed")


class ErrorOut(ErrorSchema):
    """Every error answer under /api/ (campaign/errors.py writes it; this documents it)."""

    reason = fields.String(metadata={"description": (
        "What went wrong, in a name that stays the same in every language and release: "
        + ", ".join(REASONS) + "; otherwise the HTTP status in snake case, as in not_found. "
        "`message` says the same for a person, in the language asked for."
    )})
