"""The executive summary as a PDF, laid out for A4 with ReportLab (pip only, no system library).

:func:`to_pdf` turns a :class:`okrdata.report.Report` into the same sections as the HTML
file: a title block (scope, cycle, dates, the day it was prepared), the headline figures, the
charts (Altair rendered to PNG by ``vl-convert`` at twice their pixel size, so they print
sharp), the objectives, the top risks, the learnings and KPI health, with a running header and
"Page X of Y" on every page. Every status and health state is written in words beside its
colour.

Text from the database goes through :func:`text`: escaped for ReportLab's paragraph markup (a
title holding ``<b>`` or ``<script>`` prints as written) and with characters the font cannot
draw replaced, so nothing prints as an empty box. The font is DejaVu Sans where the system has
it (wide Unicode coverage), else Bitstream Vera, which ships inside ReportLab itself. The
output is byte-for-byte the same for the same report (ReportLab's *invariant* mode: no
timestamp, a fixed document id).
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
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from okrdata import report as r
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


# --- sections ------------------------------------------------------------------------------


def _cover(report: r.Report, s: dict) -> list:
    parts = [
        Paragraph(text(f"EXECUTIVE SUMMARY · {report.scope_note.upper()}"), s["eyebrow"]),
        Paragraph(f"{text(report.scope)}: {text(report.cycle['name'])}", s["title"]),
        Paragraph(
            text(f"{report.period} · prepared {w.day(report.today)} · figures as of {w.day(report.headline['as_of'])}"),
            s["meta"],
        ),
    ]
    if report.demo:
        parts.append(Paragraph("Demo data: the figures describe the demo organisation, not a real one.", s["demo"]))
    rule = Table([[""]], colWidths=[FRAME_WIDTH], rowHeights=[4])
    rule.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 2, INK)]))
    parts += [rule, Spacer(1, 4)]
    return parts


def _headline(report: r.Report, s: dict) -> list:
    cells = [
        [
            Paragraph(text(label.upper()), s["figlabel"]),
            Paragraph(text(value), s["figvalue"]),
            Paragraph(text(note), s["fignote"]),
        ]
        for label, value, note in r.headline_figures(report)
    ]
    grid = Table([cells[0:3], cells[3:6]], colWidths=[FRAME_WIDTH / 3] * 3)
    grid.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("INNERGRID", (0, 0), (-1, -1), 0.6, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return [Paragraph("Headline", s["h2"]), Paragraph(text(r.headline_sentence(report)), s["lede"]), grid, Spacer(1, 8)]


class _FitImage(Image):
    """An image that shrinks (down to ``min_scale`` of its fitted size) to finish the page it
    starts on rather than leave a blank half page behind it."""

    def __init__(self, png: bytes, max_width: float, min_scale: float = 0.7):
        width, height = ImageReader(io.BytesIO(png)).getSize()
        scale = max_width / width
        super().__init__(io.BytesIO(png), width=width * scale, height=height * scale)
        self._full = (width * scale, height * scale)
        self._min_scale = min_scale

    def wrap(self, avail_width, avail_height):  # ReportLab's signature
        width, height = self._full
        scale = min(1.0, avail_width / width)
        if height * scale > avail_height >= height * scale * self._min_scale:
            scale *= avail_height / (height * scale)
        self.drawWidth, self.drawHeight = width * scale, height * scale
        return self.drawWidth, self.drawHeight


def _charts(report: r.Report, s: dict) -> list:
    built = r.charts(report, PDF_CHART_WIDTH, step=16)
    parts: list = []
    if "objectives" in built:
        parts += [_FitImage(r.chart_png(built["objectives"]), FRAME_WIDTH), Spacer(1, 8)]
    small = [built[name] for name in ("statuses", "kpis") if name in built]
    if small:
        half = FRAME_WIDTH / 2 - 6
        images = [_image(r.chart_png(c), half, 120) for c in small]
        row = Table([images + [""] * (2 - len(images))], colWidths=[FRAME_WIDTH / 2] * 2)
        row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        parts += [row, Spacer(1, 6)]
    return parts


def _objectives(report: r.Report, s: dict) -> list:
    parts: list = [Paragraph("Objectives", s["h2"])]
    if report.objectives.empty:
        return parts + [Paragraph(text(f"{report.scope} has no objectives in this cycle."), s["caption"])]
    rows = []
    for i, o in enumerate(report.objectives.to_dict("records"), start=1):
        owner = f" · {o['owner_name']}" if isinstance(o.get("owner_name"), str) and o["owner_name"] else ""
        band = w.score_band(o["score"]) if report.closed else None
        outcome = r.objective_outcome(report, o)
        note = report.status_notes.get(int(o["objective_id"]))
        status = Paragraph(
            _coloured(w.status_label(o["status"]), w.STATUS_COLOURS.get(o["status"], w.MUTED_COLOUR)), s["cell"]
        )
        rows.append(
            [
                Paragraph(str(i), s["cellnum"]),
                [
                    Paragraph(text(o["title"]), s["cell"]),
                    Paragraph(text(f"{o['unit_name']}{owner} · {w.kind_text(o['kind'])}"), s["sub"]),
                ],
                [status, Paragraph(text(note), s["sub"])] if note else status,
                Paragraph(text(w.pct(o["progress"])), s["cellnum"]),
                Paragraph(text(w.pace(o["progress"], o["expected"])), s["cellnum"]),
                Paragraph(_coloured(outcome, w.SCORE_COLOURS[band]) if band else text(outcome), s["cellnum"]),
            ]
        )
    widths = [8 * mm, FRAME_WIDTH - 8 * mm - 24 * mm - 20 * mm - 20 * mm - 26 * mm, 24 * mm, 20 * mm, 20 * mm, 26 * mm]
    table = _table(
        [
            ("#", True),
            ("Objective", False),
            ("Status", False),
            ("Progress (%)", True),
            ("Pace (pts)", True),
            (r.outcome_heading(report), True),
        ],
        rows,
        widths,
        s,
    )
    parts += [table, Spacer(1, 3), Paragraph(text(r.outcome_explanation(report)), s["caption"])]
    parts += [Paragraph(text(note), s["caption"]) for note in report.notes]
    return parts + _goalposts(report, s)


def _goalposts(report: r.Report, s: dict) -> list:
    if report.goalposts.empty:
        return []
    rows = [
        [
            [
                Paragraph(text(g["kr_title"]), s["cell"]),
                Paragraph(text(f"{g['objective_title']} · {g['unit_name']}"), s["sub"]),
            ],
            Paragraph(text(g["change"]), s["cell"]),
            Paragraph(text(g["reason"]), s["cell"]),
        ]
        for g in report.goalposts.to_dict("records")
    ]
    widths = [FRAME_WIDTH - 60 * mm - 50 * mm, 60 * mm, 50 * mm]
    return [
        Paragraph("Goalposts moved", s["h3"]),
        Paragraph(text(r.goalposts_summary(report)), s["caption"]),
        _table([("Key result", False), ("Change", False), ("Why", False)], rows, widths, s),
    ]


def _risks(report: r.Report, s: dict) -> list:
    parts: list = [
        CondPageBreak(60 * mm),
        Paragraph("Top risks", s["h2"]),
        Paragraph(text(r.risk_summary(report)), s["caption"]),
    ]
    if report.risks.empty:
        return parts
    rows = []
    for k in report.risks.to_dict("records"):
        owner = f" · {k['owner_name']}" if isinstance(k.get("owner_name"), str) and k["owner_name"] else ""
        rows.append(
            [
                [
                    Paragraph(text(k["title"]), s["cell"]),
                    Paragraph(text(f"{k['objective_title']} · {k['unit_name']}{owner}"), s["sub"]),
                ],
                Paragraph(
                    _coloured(w.status_label(k["status"]), w.STATUS_COLOURS.get(k["status"], w.MUTED_COLOUR)), s["cell"]
                ),
                Paragraph(text(w.pct(k["progress"])), s["cellnum"]),
                Paragraph(text(w.pace(k["progress"], k["expected"])), s["cellnum"]),
                Paragraph(text(r.kr_forecast(report, k)), s["cellnum"]),
                Paragraph(text(" · ".join(k["reasons"])), s["cell"]),
            ]
        )
    widths = [
        FRAME_WIDTH - 22 * mm - 18 * mm - 18 * mm - 26 * mm - 50 * mm,
        22 * mm,
        18 * mm,
        18 * mm,
        26 * mm,
        50 * mm,
    ]
    parts.append(
        _table(
            [
                ("Key result", False),
                ("Status", False),
                ("Progress (%)", True),
                ("Pace (pts)", True),
                ("Forecast at end", True),
                ("Why it needs attention", False),
            ],
            rows,
            widths,
            s,
        )
    )
    return parts


def _quote_list(items: list[list], s: dict, colours: list[str]) -> Table:
    """Items (each a list of paragraphs) with a coloured bar on their left, as in the HTML file."""
    table = Table([[item] for item in items], colWidths=[FRAME_WIDTH])
    style = [
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]
    for i, colour in enumerate(colours):
        style.append(("LINEBEFORE", (0, i), (0, i), 2.5, colors.HexColor(colour)))
    table.setStyle(TableStyle(style))
    return table


def _learnings(report: r.Report, s: dict) -> list:
    parts: list = [CondPageBreak(50 * mm), Paragraph("Learnings", s["h2"])]
    if not report.reflections.empty:
        parts.append(Paragraph("Reflections at close", s["h3"]))
        items = [
            [
                Paragraph(
                    f"<b>{text(x['objective_title'])}</b> <font color='#5b6472' size='7.5'>{text(x['unit_name'])}</font>",
                    s["cell"],
                ),
                Paragraph(text(x["reflection"]), s["cell"]),
            ]
            for x in report.reflections.to_dict("records")
        ]
        parts.append(_quote_list(items, s, ["#1f5fa8"] * len(items)))
        parts.append(Paragraph("From the check-in notes", s["h3"]))
    if report.learnings.empty:
        return parts + [Paragraph("No check-in notes in this scope say more than a few words yet.", s["caption"])]
    parts.append(Paragraph(text(r.LEARNINGS_RULE), s["caption"]))
    items, bars = [], []
    for x in report.learnings.to_dict("records"):
        tag = "OBSTACLE OR LEARNING" if x["kind"] == "learning" else "LATEST NOTE"
        by = f", {x['author_name']}" if x["author_name"] else ""
        items.append(
            [
                Paragraph(
                    f"<font color='#5b6472' size='7'>{tag}</font> · <b>{text(x['objective_title'])}</b>", s["cell"]
                ),
                Paragraph(text(f"{x['kr_title']} · {w.day(x['checkin_date'])}{by}"), s["sub"]),
                Paragraph(text(f"“{x['note']}”"), s["cell"]),
            ]
        )
        bars.append("#1f5fa8" if x["kind"] == "learning" else "#d9dde3")
    parts.append(_quote_list(items, s, bars))
    return parts


def _kpis(report: r.Report, s: dict) -> list:
    parts: list = [
        CondPageBreak(50 * mm),
        Paragraph("KPI health", s["h2"]),
        Paragraph(text(r.kpi_summary(report)), s["caption"]),
    ]
    if report.kpis.empty:
        if report.kpi_counts["kpis"]:
            parts.append(Paragraph("Every KPI is healthy and up to date.", s["caption"]))
        return parts
    rows = []
    for k in report.kpis.to_dict("records"):
        rows.append(
            [
                [Paragraph(text(k["name"]), s["cell"]), Paragraph(text(k["unit_name"]), s["sub"])],
                Paragraph(
                    _coloured(w.health_label(k["health"]), w.HEALTH_COLOURS.get(k["health"], w.MUTED_COLOUR)), s["cell"]
                ),
                Paragraph(text(r.kpi_reading(k)), s["cell"]),
                Paragraph(text(r.kpi_target(k)), s["cell"]),
                Paragraph(text(w.number(k["warning"], k.get("unit_label"))), s["cellnum"]),
            ]
        )
    widths = [FRAME_WIDTH - 24 * mm - 46 * mm - 38 * mm - 24 * mm, 24 * mm, 46 * mm, 38 * mm, 24 * mm]
    parts.append(
        _table(
            [("KPI", False), ("Health", False), ("Latest reading", False), ("Target", False), ("Warning at", True)],
            rows,
            widths,
            s,
        )
    )
    return parts


# --- pages ---------------------------------------------------------------------------------


class _NumberedCanvas(rl_canvas.Canvas):
    """A canvas that holds every page until the end, so each can say "Page X of Y"."""

    header = ""
    footer = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        width, height = PAGE
        self.saveState()
        self.setFont(FONT, 7.5)
        self.setFillColor(MUTED)
        self.setStrokeColor(RULE)
        if self._pageNumber > 1:
            self.drawString(MARGIN_X, height - 12 * mm, self.header)
            self.line(MARGIN_X, height - 13.5 * mm, width - MARGIN_X, height - 13.5 * mm)
        self.line(MARGIN_X, 12.5 * mm, width - MARGIN_X, 12.5 * mm)
        self.drawString(MARGIN_X, 9 * mm, self.footer)
        self.drawRightString(width - MARGIN_X, 9 * mm, f"Page {self._pageNumber} of {total}")
        self.restoreState()


def to_pdf(report: r.Report) -> bytes:
    """The executive summary as an A4 PDF (bytes), the same for the same report."""
    register_fonts()
    s = _styles()
    story: list = []
    story += _cover(report, s)
    story += _headline(report, s)
    story += _charts(report, s)
    story += [CondPageBreak(70 * mm)]
    story += _objectives(report, s)
    story += _risks(report, s)
    story += _learnings(report, s)
    story += _kpis(report, s)
    story += [Spacer(1, 10), Paragraph(f"<b>How to read this summary.</b> {text(r.HOW_TO_READ)}", s["small"])]

    class Canvas(_NumberedCanvas):
        pass

    # Plain text for drawString (which takes no markup): the unescaped, drawable characters.
    Canvas.header = "".join(_drawable(ch) for ch in f"{report.title} · {report.scope_note}")
    Canvas.footer = "".join(
        _drawable(ch) for ch in f"Prepared with the OKR dashboard on {w.day(report.today)} for {report.company}"
    )

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title="".join(_drawable(ch) for ch in report.title),
        author="OKR dashboard",
        subject=f"{report.cycle['name']} · {report.scope_note}",
        creator="OKR dashboard",
        invariant=1,
    )
    doc.build(story, canvasmaker=Canvas)
    return buffer.getvalue()
