"""Content written once per language, stored today as `<name>_zh` / `<name>_en` column pairs.

Models holding such pairs (petitions, their updates, events) read them through `Bilingual.text`,
so the move to a per-field translations structure (any number of languages) changes one place.
"""
from __future__ import annotations


class Bilingual:
    """A mixin for models with `<name>_zh` / `<name>_en` columns."""

    def text(self, name: str, lang: str) -> str:
        """The field in `lang` ("zh" or "en"), falling back to Chinese when no English is written."""
        if lang == "en":
            value = getattr(self, f"{name}_en")
            if value:
                return str(value)
        return str(getattr(self, f"{name}_zh"))
