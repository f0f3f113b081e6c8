"""Content written in any number of languages: one translations structure per field.

A translatable field (a petition's title, an event's description, a group's name...) is one
JSON column holding `{locale code: text}`, e.g. `{"zh_Hans": "…", "en": "…"}`. The set of
languages is configuration (`LANGUAGES`); adding one needs no migration.

Reading goes through `Translatable.text(name, locale)`, which falls back when a text is not
written in the reader's language: first to the same language in another script (zh_Hant, then
zh_Hans), then through the configured languages in order, then to anything stored (a language
since removed from the settings). The result, `Shown`, is a `str` that knows which language it
is written in, so pages can mark a fallback with `lang=""` and say so (`shown_in`, `fallback_note`).

Writing: forms declare a `TranslatedField` (one input per configured language, grouped by
language on the page) and services store its `data`, a dict, with `Translatable.set_text`.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import JSON
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import MappedColumn, mapped_column
from wtforms import Field, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, Optional

from campaign.i18n import Language, Languages, languages

__all__ = ["Shown", "TranslatedField", "Translatable", "demo_texts", "fallback_order", "pick",
           "translated_column", "written"]


def translated_column() -> MappedColumn[Any]:
    """The column of one translatable field: `{locale code: text}` (JSON on SQLite and PostgreSQL).
    In-place changes are tracked, though services assign whole dicts (`set_text`)."""
    return mapped_column(MutableDict.as_mutable(JSON()), default=dict)


class Shown(str):
    """A text as shown to a reader: `locale` is the language it is written in, `wanted` the
    reader's. `fallback` is true when they differ (the text is not written in the reader's
    language yet)."""

    locale: str
    wanted: str

    def __new__(cls, value: str, locale: str, wanted: str) -> Shown:
        shown = super().__new__(cls, value)
        shown.locale = locale
        shown.wanted = wanted
        return shown

    @property
    def fallback(self) -> bool:
        return bool(self) and self.locale != self.wanted

    @property
    def tag(self) -> str:
        """The BCP 47 tag of the language it is written in, for lang=""."""
        return self.locale.replace("_", "-")


@lru_cache(maxsize=64)
def _order(ordered: tuple[Language, ...], wanted: str) -> tuple[str, ...]:
    langs = Languages(ordered)
    reader = langs.by_any(wanted) or langs.default
    same_language = [lang for lang in ordered if lang != reader and lang.locale.language == reader.locale.language]
    rest = [lang for lang in ordered if lang != reader and lang not in same_language]
    return (reader.code, *(lang.code for lang in same_language), *(lang.code for lang in rest))


def fallback_order(wanted: str, langs: Languages | None = None) -> tuple[str, ...]:
    """The configured locale codes to try for a reader of `wanted` (a code, a tag or "zh"):
    theirs, the same language in other scripts, then the rest in the configured order."""
    return _order((langs or languages()).ordered, str(wanted))


def pick(values: Mapping[str, str] | None, wanted: str, langs: Languages | None = None) -> Shown:
    """The text of `values` for a reader of `wanted`, falling back as `fallback_order` says."""
    order = fallback_order(wanted, langs)
    values = values or {}
    for code in order:
        found = values.get(code)
        if found:
            return Shown(found, code, order[0])
    for code, found in values.items():  # written only in a language no longer configured
        if found:
            return Shown(found, code, order[0])
    return Shown("", order[0], order[0])


@lru_cache(maxsize=1)
def _to_traditional() -> Any:
    import opencc  # only the demo converts

    return opencc.OpenCC("s2twp")


def demo_texts(zh: str, en: str = "") -> dict[str, str]:
    """A demo text in each configured language: the Simplified Chinese as written, its
    Traditional conversion (OpenCC, Taiwan phrasing) and the English, when configured."""
    offered = {"zh_Hans": zh, "zh_Hant": _to_traditional().convert(zh) if zh else "", "en": en}
    return written({code: text for code, text in offered.items() if code in languages().codes})


def written(values: Mapping[str, str] | None) -> dict[str, str]:
    """`values` without empty texts, with surrounding whitespace removed: what is stored."""
    return {str(code): str(text).strip() for code, text in (values or {}).items() if text and str(text).strip()}


class Translatable:
    """A mixin for models with translatable fields (columns made by `translated_column`)."""

    def text(self, name: str, locale: str) -> Shown:
        """The field `name` for a reader of `locale`, or its fallback (see the module's docstring)."""
        return pick(getattr(self, name), locale)

    def set_text(self, name: str, values: Mapping[str, str] | None) -> None:
        """Store the texts of field `name` ({locale code: text}); empty ones are left out."""
        setattr(self, name, written(values))

    def missing(self, *names: str) -> list[Language]:
        """The configured languages in which some of `names` is written in another language but
        not in this one: what an editor still has to translate."""
        found = []
        for lang in languages().ordered:
            for name in names:
                values = getattr(self, name) or {}
                if any(values.values()) and not values.get(lang.code):
                    found.append(lang)
                    break
        return found


def shown_in(value: object) -> Markup:
    """Jinja filter: the text, escaped, marked with its language when it is a fallback."""
    if isinstance(value, Shown) and value.fallback:
        return Markup('<span lang="{}">{}</span>').format(value.tag, value)
    return escape(value)


def fallback_note(value: object) -> Markup:
    """Jinja global: a short note under a text shown in another language than the reader's."""
    if not (isinstance(value, Shown) and value.fallback):
        return Markup("")
    langs = languages()
    written_in = langs.by_any(value.locale)
    reader = langs.by_any(value.wanted)
    if written_in is None or reader is None:
        return Markup("")
    note = _("Not yet translated into %(language)s: shown in %(original)s.",
             language=reader.name, original=written_in.name)
    # In the reader's language, wherever it is placed (often inside the fallback's own lang="").
    return Markup('<p class="fallback-note muted" lang="{}">{}</p>').format(reader.tag, note)


class TranslatedField(Field):
    """A text written in each configured language. On the page it is one input per language
    (`<name>-<code>`, e.g. `title-zh_Hant`), each a plain WTForms field the `field` macro renders;
    `parts` maps each locale code to its input. `data` is `{code: text}` without empty texts.

    `required` asks for the text in the first configured language (the organisation's own);
    the other languages may be left empty, and readers then see the fallback.
    """

    def __init__(self, label: Any = None, *, long: bool = False, max_length: int = 200, required: bool = False,
                 rows: int = 6, description: Any = "", **kwargs: Any) -> None:
        self._binding = {key: kwargs.get(key) for key in ("_form", "_prefix", "_translations", "_meta")}
        super().__init__(label, description=description, **kwargs)
        self.long = long
        self.max_length = max_length
        self.required = required
        self.rows = rows
        self.languages: tuple[Language, ...] = ()  # the configured ones, in order, once processed
        self.parts: dict[str, Field] = {}
        self.data: dict[str, str] = {}

    def _part(self, lang: Language, first: bool) -> Field:
        checks = [DataRequired()] if self.required and first else [Optional()]
        render_kw: dict[str, Any] = {"lang": lang.tag, "maxlength": self.max_length}
        if self.long:
            render_kw["rows"] = self.rows
        kind = TextAreaField if self.long else StringField
        # Outside a form's class body, a field is made unbound and then bound (as Form does).
        unbound: Any = kind(self.label.text, [*checks, Length(max=self.max_length)], description=self.description,
                            render_kw=render_kw)
        part: Field = unbound.bind(form=self._binding["_form"], name=f"{self.short_name}-{lang.code}",
                            prefix=self._binding["_prefix"] or "", translations=self._binding["_translations"])
        return part

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        stored = data if isinstance(data, Mapping) else {}
        self.languages = languages().ordered
        self.parts = {lang.code: self._part(lang, index == 0) for index, lang in enumerate(self.languages)}
        for code, part in self.parts.items():
            part.process(formdata, stored.get(code) or "")
        self.data = written({code: part.data or "" for code, part in self.parts.items()})

    def validate(self, form: Any, extra_validators: Any = ()) -> bool:
        self.errors = []
        langs = languages()
        for code, part in self.parts.items():
            if not part.validate(form):
                lang = langs.by_any(code)
                name = lang.name if lang is not None else code
                self.errors.extend(f"{name}: {message}" for message in part.errors)
        return not self.errors

    def missing_in(self, code: str) -> bool:
        """True when the text is written in some language but not in `code` (for the editor)."""
        return bool(self.data) and not self.data.get(code)

    def populate_obj(self, obj: Any, name: str) -> None:
        setattr(obj, name, dict(self.data))

    def _value(self) -> str:
        return ""

