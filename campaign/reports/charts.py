"""Charts drawn on the server as SVG, so they show without JavaScript and without another host.

Text is drawn as outlines with a CJK font (Debian's fonts-noto-cjk) when it is installed, so
Chinese labels render the same on every reader's device.
"""
from __future__ import annotations

import base64
import io
from functools import cache
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

ACCENT = "#a4161a"
SECOND = "#1a5fb4"


@cache
def _style() -> dict[RcKeyType, Any]:
    cjk = [f.name for f in font_manager.fontManager.ttflist if "CJK SC" in f.name]
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [*sorted(set(cjk)), "DejaVu Sans"],
        "svg.fonttype": "path" if cjk else "none",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e6e1db",
        "font.size": 10,
        "svg.hashsalt": "campaign",  # the same data draws the same file
    }


def _encode(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _axes(ax: Any, title: str, x_title: str, y_title: str) -> None:
    ax.set_title(title, loc="left")
    ax.set_xlabel(x_title)
    ax.set_ylabel(y_title)


def line(
    frame: pd.DataFrame, x: str, ys: dict[str, str], title: str, x_title: str = "", y_title: str = ""
) -> str | None:
    """A line chart of columns `ys` (column -> legend label) over `x`, as a data: URI."""
    if frame.empty:
        return None
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7, 3))
        for index, (column, label) in enumerate(ys.items()):
            ax.plot(frame[x], frame[column], label=label, color=(ACCENT, SECOND, "#55575c")[index % 3], linewidth=1.8)
        _axes(ax, title, x_title, y_title)
        ax.set_ylim(bottom=0)
        if len(ys) > 1:
            ax.legend(frameon=False)
        fig.autofmt_xdate()
        return _encode(fig)


def columns(frame: pd.DataFrame, x: str, y: str, title: str, x_title: str = "", y_title: str = "") -> str | None:
    """A column chart of `y` per `x` (a count per day or week, not a running total), as a data: URI."""
    if frame.empty:
        return None
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7, 3))
        ax.bar(pd.to_datetime(frame[x]), frame[y], color=ACCENT, width=0.8 if x == "day" else 5)
        _axes(ax, title, x_title, y_title)
        ax.grid(axis="x", visible=False)
        fig.autofmt_xdate()
        return _encode(fig)


def bars(frame: pd.DataFrame, label: str, value: str, title: str, limit: int = 12,
         x_title: str = "", y_title: str = "") -> str | None:
    """A horizontal bar chart of the first `limit` rows, as a data: URI."""
    if frame.empty:
        return None
    top = frame.head(limit).iloc[::-1]
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(top) + 1))
        ax.barh(top[label].astype(str), top[value], color=ACCENT)
        _axes(ax, title, x_title, y_title)
        ax.grid(axis="y", visible=False)
        return _encode(fig)
