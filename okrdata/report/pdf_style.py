"""The PDF's look: page and margins, fonts, colours, paragraph styles, and :func:`text`.

Text from the database goes through :func:`text`: escaped for ReportLab's paragraph markup (a
title holding ``<b>`` or ``<script>`` prints as written) and with characters the font cannot
draw replaced, so nothing prints as an empty box. The font is DejaVu Sans where the system has
it (wide Unicode coverage), else Bitstream Vera, which ships inside ReportLab itself.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, Table, TableStyle

from okrdata import wording as w

FONT = "ReportSans"
PAGE = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 18 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN_X
INK = colors.HexColor("#1d2430")
MUTED = colors.HexColor("#5b6472")
RULE = colors.HexColor("#d9dde3")
BAND = colors.HexColor("#f4f6f8")
PDF_CHART_WIDTH = 330
"""Plot width of the objectives chart in pixels before it is fitted to the page."""

_FONT_CANDIDATES = [
    # (regular, bold, oblique, bold oblique): DejaVu (a superset of Vera) where the system has it.
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-BoldOblique.ttf",
    ),
]
_FALLBACKS = {"→": "->", "←": "<-", "✓": "v", "✔": "v", "✗": "x", "★": "*", "≥": ">=", "≤": "<="}
_cmap: set[int] | None = None


def _vera() -> tuple[str, str, str, str]:
    import reportlab

    folder = Path(reportlab.__file__).parent / "fonts"
    return tuple(str(folder / name) for name in ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf"))  # type: ignore[return-value]


def register_fonts() -> str:
    """Register the report's font family once; return the name of the regular face's file."""
    global _cmap
    if _cmap is not None:
        return FONT
    files = next((c for c in _FONT_CANDIDATES if all(Path(f).exists() for f in c)), None) or _vera()
    names = (FONT, f"{FONT}-Bold", f"{FONT}-Oblique", f"{FONT}-BoldOblique")
    for name, path in zip(names, files):
        pdfmetrics.registerFont(TTFont(name, path))
    pdfmetrics.registerFontFamily(FONT, normal=names[0], bold=names[1], italic=names[2], boldItalic=names[3])
    _cmap = set(pdfmetrics.getFont(FONT).face.charToGlyph)
    return FONT


def _drawable(ch: str) -> str:
    if ord(ch) in _cmap or ch in "\n\t":
        return ch
    if ch in _FALLBACKS:
        return _FALLBACKS[ch]
    plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) in _cmap and not unicodedata.combining(c))
    return plain or "?"


def text(value: Any) -> str:
    """Text from the database, safe for a ReportLab paragraph: characters the font lacks replaced,
    then ``&``, ``<`` and ``>`` escaped, so markup in a title prints as written."""
    register_fonts()
    raw = "" if w.missing(value) else str(value)
    return _xml_escape("".join(_drawable(ch) for ch in raw))


# --- styles --------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "base": base,
        "eyebrow": ParagraphStyle("eyebrow", base, fontSize=8.5, textColor=MUTED, leading=11),
        "title": ParagraphStyle("title", base, fontName=f"{FONT}-Bold", fontSize=22, leading=27, spaceAfter=3),
        "meta": ParagraphStyle("meta", base, textColor=MUTED),
        "demo": ParagraphStyle(
            "demo",
            base,
            fontSize=8.5,
            backColor=colors.HexColor("#fff6e0"),
            borderPadding=(4, 6, 4, 6),
            spaceBefore=8,
            textColor=INK,
        ),
        "h2": ParagraphStyle(
            "h2", base, fontName=f"{FONT}-Bold", fontSize=14, leading=18, spaceBefore=14, spaceAfter=5
        ),
        "h3": ParagraphStyle("h3", base, fontName=f"{FONT}-Bold", fontSize=11, leading=14, spaceBefore=8, spaceAfter=3),
        "lede": ParagraphStyle("lede", base, fontSize=11.5, leading=15, spaceAfter=6),
        "caption": ParagraphStyle("caption", base, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=3),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=10.8),
        "cellnum": ParagraphStyle("cellnum", base, fontSize=8.5, leading=10.8, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", base, fontName=f"{FONT}-Bold", fontSize=8, leading=10),
        "headnum": ParagraphStyle("headnum", base, fontName=f"{FONT}-Bold", fontSize=8, leading=10, alignment=TA_RIGHT),
        "sub": ParagraphStyle("sub", base, fontSize=7.5, leading=9.5, textColor=MUTED),
        "figlabel": ParagraphStyle("figlabel", base, fontSize=7.5, leading=9, textColor=MUTED),
        "figvalue": ParagraphStyle("figvalue", base, fontName=f"{FONT}-Bold", fontSize=17, leading=21),
        "fignote": ParagraphStyle("fignote", base, fontSize=7.5, leading=9.2, textColor=MUTED),
        "small": ParagraphStyle("small", base, fontSize=7.5, leading=9.5, textColor=MUTED),
    }


def _coloured(label: str, colour: str) -> str:
    """A label in bold in its colour, preceded by a square in the same colour: never colour alone."""
    square = "■" if ord("■") in _cmap else "•"
    return f'<font color="{colour}">{square}</font> <font color="{colour}"><b>{text(label)}</b></font>'


def _table(headings: list[tuple[str, bool]], rows: list[list[Any]], widths: list[float], s: dict) -> Table:
    """A table with a shaded heading row (repeated on every page) and thin rules between rows."""
    head = [Paragraph(text(h), s["headnum"] if num else s["head"]) for h, num in headings]
    table = Table([head] + rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), BAND),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, RULE),
                ("LINEBELOW", (0, 1), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _image(png: bytes, max_width: float, max_height: float = 560) -> Image:
    """A PNG fitted into ``max_width`` × ``max_height`` points, keeping its proportions."""
    width, height = ImageReader(io.BytesIO(png)).getSize()
    ratio = min(max_width / width, max_height / height)
    return Image(io.BytesIO(png), width=width * ratio, height=height * ratio)
