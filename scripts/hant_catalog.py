"""Write the Traditional Chinese catalogue from the Simplified one: OpenCC, then reviewed terms.

    python scripts/hant_catalog.py           # rewrite translations/zh_Hant/LC_MESSAGES/messages.po
    python scripts/hant_catalog.py --check   # exit 1 if that file is not what this would write

Every zh_Hans entry is converted with OpenCC's `s2twp` (Traditional characters with the phrasing
Taiwan uses, which readers in Hong Kong and abroad also read), then each line of
translations/zh_Hant/terms.tsv ("what OpenCC wrote<TAB>what a reviewer chose") is applied. A
reviewer who finds a wrong word adds a line there, so the fix survives every regeneration; nobody
edits the .po by hand. `make i18n-extract` runs this after updating the catalogues.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import opencc
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
TARGET = ROOT / "translations" / "zh_Hant" / "LC_MESSAGES" / "messages.po"
TERMS = ROOT / "translations" / "zh_Hant" / "terms.tsv"


def _terms() -> list[tuple[str, str]]:
    pairs = []
    for line in TERMS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            converted, _tab, reviewed = line.partition("\t")
            pairs.append((converted, reviewed))
    # Longer terms first, so a phrase wins over a word inside it.
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def convert(text: str, converter: opencc.OpenCC, terms: list[tuple[str, str]]) -> str:
    out = converter.convert(text)
    for converted, reviewed in terms:
        out = out.replace(converted, reviewed)
    return out


def build() -> bytes:
    with SOURCE.open("rb") as handle:
        source = read_po(handle)
    converter = opencc.OpenCC("s2twp")
    terms = _terms()
    target = Catalog(locale="zh_Hant", domain="messages", project="campaign toolkit", fuzzy=False,
                     header_comment="# Traditional Chinese: written by scripts/hant_catalog.py from zh_Hans.\n"
                                    "# Do not edit; add reviewed terms to translations/zh_Hant/terms.tsv.")
    for message in source:
        if not message.id:
            continue
        string = message.string
        if isinstance(string, tuple):
            string = tuple(convert(s, converter, terms) for s in string)
        else:
            string = convert(string, converter, terms)
        target.add(message.id, string, context=message.context, flags=message.flags)
    out = io.BytesIO()
    write_po(out, target, width=0, omit_header=False, sort_output=True, no_location=True)
    return out.getvalue()


def _without_dates(data: bytes) -> bytes:
    return b"\n".join(line for line in data.split(b"\n") if not line.startswith(b'"POT-Creation-Date'))


def main(argv: list[str]) -> int:
    wanted = build()
    if "--check" in argv:
        current = TARGET.read_bytes() if TARGET.exists() else b""
        if _without_dates(current) != _without_dates(wanted):
            print(f"{TARGET.relative_to(ROOT)} is out of date: run `make i18n-extract`", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
