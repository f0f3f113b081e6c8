"""Spreadsheet-safe exports shared by every feature: CSV with a BOM, streamed row by row."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# A cell starting with one of these is run as a formula by Excel or LibreOffice.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Make a cell inert: text that a spreadsheet would run as a formula gets a leading quote.

    Numbers are left alone (a negative number is a number, not a formula).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Yield a UTF-8 CSV (with a byte-order mark, so Excel shows Chinese) chunk by chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([neutralise(h) for h in header])
    for count, row in enumerate(rows, 1):
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
