"""Fill a catalog from tab-separated lines "English<TAB>translation" on standard input.

    python scripts/po_fill.py translations/zh_Hans/LC_MESSAGES/messages.po < new.tsv
    python scripts/po_fill.py --missing translations/zh_Hans/LC_MESSAGES/messages.po

Escapes: write a newline inside a message as \\n. `--missing` prints untranslated msgids.
"""
from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def main(argv: list[str]) -> int:
    missing = "--missing" in argv
    path = [a for a in argv if not a.startswith("--")][0]
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    if missing:
        for message in catalog:
            if message.id and not message.string:
                print(message.id)
        return 0
    unknown = []
    for line in sys.stdin.read().splitlines():
        if not line.strip():
            continue
        english, _tab, translated = line.partition("\t")
        english = english.replace("\\n", "\n")
        message = catalog.get(english)
        if message is None:
            unknown.append(english)
            continue
        message.string = translated.replace("\\n", "\n")
        message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=0)
    for english in unknown:
        print(f"not in catalog: {english}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
