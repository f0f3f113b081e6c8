"""Share links and posters, made here: no third-party script, button or image is ever loaded."""
from __future__ import annotations

import io
import logging
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from PIL import Image, ImageDraw, ImageFont

logger = logging.getLogger(__name__)

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT_REGULAR = FONT_DIR / "NotoSansCJK-Regular.ttc"
FONT_BOLD = FONT_DIR / "NotoSansCJK-Bold.ttc"
ACCENT = (164, 22, 26)
INK = (29, 29, 31)


@dataclass(frozen=True)
class ShareLink:
    channel: str
    label: str
    href: str


def tagged(url: str, channel: str) -> str:
    """The petition's address with `?src=<channel>`, so reports can count channels."""
    return f"{url}?{urlencode({'src': channel})}"


def share_links(url: str, text: str, labels: dict[str, str]) -> list[ShareLink]:
    """Plain links to each platform's own share page (WeChat has none: it gets a QR code)."""

    def q(value: str) -> str:
        return quote(value, safe="")

    return [
        ShareLink("weibo", labels["weibo"],
                  f"https://service.weibo.com/share/share.php?url={q(tagged(url, 'weibo'))}&title={q(text)}"),
        ShareLink("telegram", labels["telegram"],
                  f"https://t.me/share/url?url={q(tagged(url, 'telegram'))}&text={q(text)}"),
        ShareLink("x", labels["x"],
                  f"https://x.com/intent/post?url={q(tagged(url, 'x'))}&text={q(text)}"),
        ShareLink("whatsapp", labels["whatsapp"],
                  f"https://wa.me/?text={q(text + ' ' + tagged(url, 'whatsapp'))}"),
        ShareLink("email", labels["email"],
                  f"mailto:?subject={q(text)}&body={q(text + chr(10) + chr(10) + tagged(url, 'email'))}"),
    ]


@lru_cache(maxsize=64)
def qr_svg(data: str) -> str:
    """An SVG QR code (black on white) of `data`."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


def _qr_matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = FONT_BOLD if bold else FONT_REGULAR
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        # Without the CJK font Chinese shows as boxes, but the poster and its QR code still work.
        logger.warning("CJK font missing at %s; posters use Pillow's default font", FONT_DIR)
        return ImageFont.load_default(size)


def _wrap(text: str, width: int) -> list[str]:
    """Wrap for display: CJK text by characters, other text by words."""
    if text.isascii():
        return textwrap.wrap(text, width=width * 2) or [""]
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


POSTER_W, POSTER_H = 1080, 1350


@lru_cache(maxsize=32)
def poster_png(title: str, summary: str, url: str, call: str, org: str) -> bytes:
    """A 1080x1350 PNG poster: title, summary, a QR code of the petition and its address."""
    image = Image.new("RGB", (POSTER_W, POSTER_H), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, POSTER_W, 24), fill=ACCENT)
    y = 90
    title_font = _font(True, 64)
    for line in _wrap(title, 14)[:4]:
        draw.text((80, y), line, font=title_font, fill=INK)
        y += 86
    y += 20
    body_font = _font(False, 38)
    for line in _wrap(summary, 24)[:6]:
        draw.text((80, y), line, font=body_font, fill=INK)
        y += 54
    matrix = _qr_matrix(url)
    cell = min(420 // len(matrix), 14)
    size = cell * len(matrix)
    left, top = (POSTER_W - size) // 2, POSTER_H - size - 230
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle((left + c * cell, top + r * cell, left + (c + 1) * cell - 1,
                                top + (r + 1) * cell - 1), fill="black")
    small = _font(False, 32)
    draw.text((POSTER_W // 2, top + size + 40), call, font=_font(True, 40), fill=ACCENT, anchor="mt")
    draw.text((POSTER_W // 2, top + size + 100), url, font=small, fill=INK, anchor="mt")
    draw.text((POSTER_W // 2, POSTER_H - 50), org, font=small, fill=INK, anchor="mt")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@lru_cache(maxsize=32)
def poster_svg(title: str, summary: str, url: str, call: str, org: str) -> str:
    """The same poster as SVG (text stays text, so it prints sharply at any size)."""
    matrix = _qr_matrix(url)
    cell = min(420 // len(matrix), 14)
    size = cell * len(matrix)
    left, top = (POSTER_W - size) // 2, POSTER_H - size - 230
    path = "".join(
        f"M{left + c * cell},{top + r * cell}h{cell}v{cell}h-{cell}z"
        for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark
    )
    font = "'Noto Sans CJK SC','Noto Sans SC','PingFang SC','Microsoft YaHei',sans-serif"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{POSTER_W}" height="{POSTER_H}" '
        f'viewBox="0 0 {POSTER_W} {POSTER_H}" font-family="{escape(font)}">',
        f'<rect width="{POSTER_W}" height="{POSTER_H}" fill="#fff"/>',
        f'<rect width="{POSTER_W}" height="24" fill="#a4161a"/>',
    ]
    y = 150
    for line in _wrap(title, 14)[:4]:
        parts.append(f'<text x="80" y="{y}" font-size="64" font-weight="700" fill="#1d1d1f">{escape(line)}</text>')
        y += 86
    y += 20
    for line in _wrap(summary, 24)[:6]:
        parts.append(f'<text x="80" y="{y}" font-size="38" fill="#1d1d1f">{escape(line)}</text>')
        y += 54
    parts.append(f'<path d="{path}" fill="#000"/>')
    mid = POSTER_W // 2
    parts.append(f'<text x="{mid}" y="{top + size + 80}" font-size="40" font-weight="700" '
                 f'fill="#a4161a" text-anchor="middle">{escape(call)}</text>')
    parts.append(f'<text x="{mid}" y="{top + size + 130}" font-size="32" fill="#1d1d1f" '
                 f'text-anchor="middle">{escape(url)}</text>')
    parts.append(f'<text x="{mid}" y="{POSTER_H - 20}" font-size="32" fill="#1d1d1f" '
                 f'text-anchor="middle">{escape(org)}</text>')
    parts.append("</svg>")
    return "".join(parts)
