"""Every catalog holds every string of the code and templates, and compiles; the Traditional
Chinese one is the reviewed conversion of the Simplified one."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# Characters OpenCC converts but Traditional writing also uses, in the words the catalogue has.
TRADITIONAL_TOO = "台群秘里斗游"
# Every shipped language but English (the source, whose entries may stay empty).
TRANSLATED = sorted(p.name for p in (ROOT / "translations").iterdir()
                    if (p / "LC_MESSAGES").is_dir() and p.name != "en")


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


def test_the_shipped_languages_include_both_chineses():
    assert {"zh_Hans", "zh_Hant"} <= set(TRANSLATED)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_string_is_translated(tmp_path: Path, locale: str):
    """No page or mail shows an English string to a Chinese reader by accident."""
    wanted = _extract(tmp_path)
    catalog = _catalog(locale)
    missing = sorted(m for m in wanted if not _translated(catalog.get(m)))
    assert missing == [], f"untranslated in {locale} (run `make i18n-extract`, then translate): {missing[:20]}"
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert fuzzy == []


def test_english_catalog_holds_every_string(tmp_path: Path):
    """The English catalog is complete too (English is the source, so entries may be empty)."""
    wanted = _extract(tmp_path)
    catalog = _catalog("en")
    assert sorted(m for m in wanted if catalog.get(m) is None) == []


def test_traditional_catalog_is_the_reviewed_conversion_of_the_simplified_one():
    """A new or changed zh_Hans entry reaches zh_Hant: `make i18n-extract` rewrites it."""
    result = subprocess.run([sys.executable, "scripts/hant_catalog.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_traditional_catalog_holds_no_simplified_characters():
    """What OpenCC and the reviewed terms wrote reads as Traditional Chinese throughout: no
    character that OpenCC would convert to Traditional and that is not Traditional itself."""
    import opencc

    to_traditional, to_simplified = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    texts = "".join(m.string if isinstance(m.string, str) else "".join(m.string) for m in _catalog("zh_Hant") if m.id)
    simplified = {c for c in texts if to_traditional.convert(c) != c and to_simplified.convert(c) == c}
    # Traditional too, in the words the catalogue uses them in: 台 (Taiwan's form of 臺), 群 and 秘
    # (Taiwan's standard forms), 里 (里程碑, milestone), 斗 (漏斗, funnel) and 游 (游標, cursor).
    assert sorted(simplified - set(TRADITIONAL_TOO)) == []


@pytest.mark.parametrize("locale", [*TRANSLATED, "en"])
def test_catalogs_compile(locale: str):
    """A broken entry (wrong placeholder, bad syntax) fails here, not on a visitor's screen."""
    catalog = _catalog(locale)
    errors = [(m.id, err) for m, err in catalog.check()]
    assert errors == [], errors
    write_mo(io.BytesIO(), catalog)
