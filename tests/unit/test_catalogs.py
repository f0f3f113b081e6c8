"""Both catalogs hold every string of the code and templates, and compile."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _extract(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "--no-location", "--omit-header", "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def _catalog(locale: str):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _translated(message) -> bool:
    """A translation is there; for a plural, every form is ("301 person" came from an empty one)."""
    if message is None:
        return False
    string = message.string
    return all(string) if isinstance(string, tuple) else bool(string)


def test_every_string_is_translated_to_chinese(tmp_path: Path):
    """No page or mail shows an English string to a Chinese reader by accident."""
    wanted = _extract(tmp_path)
    catalog = _catalog("zh_Hans")
    missing = sorted(m for m in wanted if not _translated(catalog.get(m)))
    assert missing == [], f"untranslated in zh_Hans (run `make i18n-extract`, then translate): {missing[:20]}"
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert fuzzy == []


def test_english_catalog_holds_every_string(tmp_path: Path):
    """The English catalog is complete too (English is the source, so entries may be empty)."""
    wanted = _extract(tmp_path)
    catalog = _catalog("en")
    assert sorted(m for m in wanted if catalog.get(m) is None) == []


def test_catalogs_compile():
    """A broken entry (wrong placeholder, bad syntax) fails here, not on a visitor's screen."""
    for locale in ("zh_Hans", "en"):
        catalog = _catalog(locale)
        errors = [(m.id, err) for m, err in catalog.check()]
        assert errors == [], errors
        write_mo(io.BytesIO(), catalog)
