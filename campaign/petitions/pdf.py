"""The delivery PDF: the petition and its signatures, laid out by WeasyPrint with a CJK font.

WeasyPrint needs Debian's pango (`make system-deps`); it is imported when a PDF is asked for,
so the rest of the app runs without it.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import render_template


class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it needs are not installed."""


def available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def _refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise PdfFetchRefused(url[:60])


class PdfFetchRefused(Exception):
    """The PDF asked for a resource; it may load none."""


def delivery_pdf(context: dict[str, Any], rows: Iterable[tuple[int, str, str, date | None]]) -> bytes:
    """Render petitions/delivery_pdf.html (A4) to PDF bytes."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: pango's shared libraries are missing
        raise PdfUnavailable(str(exc)) from exc
    html = render_template("petitions/delivery_pdf.html", rows=rows, **context)
    # Nothing is fetched: an image an organiser linked in the text is left out, never loaded.
    pdf: bytes = HTML(string=html, url_fetcher=_refuse).write_pdf()
    return pdf
