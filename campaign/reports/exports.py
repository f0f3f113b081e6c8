"""Report frames to CSV and XLSX. XLSX is written in constant memory, row by row."""
from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any

import pandas as pd
import xlsxwriter

from campaign.exports import csv_stream, neutralise


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, date, datetime)):
        return value.item()  # numpy scalars
    return neutralise(value)


def frame_csv(frame: pd.DataFrame) -> Iterator[str]:
    return csv_stream(
        [str(c) for c in frame.columns], ([_cell(cell) for cell in row] for row in frame.itertuples(index=False))
    )


def write_xlsx(target: IO[bytes] | str, sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> None:
    """Write one sheet per (name, header, rows); rows may be a generator streamed from the database.

    constant_memory keeps only the current row in memory, so a million rows stay small.
    """
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "default_date_format": "yyyy-mm-dd"})
    bold = book.add_format({"bold": True})
    dated = book.add_format({"num_format": "yyyy-mm-dd"})
    stamped = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, header, rows in sheets:
        sheet = book.add_worksheet(name[:31])
        widths = [max(8, min(60, len(str(h)) + 2)) for h in header]
        for col, title in enumerate(header):
            sheet.write_string(0, col, str(title), bold)
        for row_no, row in enumerate(rows, 1):
            for col, raw in enumerate(row):
                value = _cell(raw)
                if value is None:
                    continue
                if isinstance(value, datetime):
                    sheet.write_datetime(row_no, col, value, stamped)
                elif isinstance(value, date):
                    sheet.write_datetime(row_no, col, datetime.combine(value, datetime.min.time()), dated)
                elif isinstance(value, bool):
                    sheet.write_boolean(row_no, col, value)
                elif isinstance(value, (int, float)):
                    sheet.write_number(row_no, col, value)
                else:
                    text = str(value)
                    sheet.write_string(row_no, col, text)
                    if row_no <= 200 and col < len(widths):  # widths from the first rows
                        widths[col] = max(widths[col], min(60, len(text) + 2))
        # Column widths apply to the whole sheet; constant_memory allows setting them at the end.
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)
    book.close()


def frames_xlsx(sections: dict[str, dict[str, pd.DataFrame]]) -> bytes:
    """Every report frame as one XLSX, one sheet per table."""
    buffer = io.BytesIO()
    sheets = [
        (f"{section}.{name}"[:31], [str(c) for c in frame.columns], frame.itertuples(index=False))
        for section, frames in sections.items() for name, frame in frames.items()
    ]
    write_xlsx(buffer, sheets)
    return buffer.getvalue()


def _sheet_name(title: str, taken: set[str]) -> str:
    """A title as an XLSX sheet name: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31] or "sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def titled_xlsx(frames: dict[str, pd.DataFrame]) -> bytes:
    """Frames as one XLSX, one sheet per frame named by its (translated) title."""
    buffer = io.BytesIO()
    taken: set[str] = set()
    write_xlsx(buffer, [(_sheet_name(title, taken), [str(c) for c in frame.columns], frame.itertuples(index=False))
                        for title, frame in frames.items()])
    return buffer.getvalue()
