"""The sections of the executive summary's PDF, each a list of ReportLab flowables.

The same sections as the HTML file: a title block (scope, cycle, dates, the day it was
prepared), the headline figures, the charts (Altair rendered to PNG by ``vl-convert`` at twice
their pixel size, so they print sharp), the objectives, the top risks, the learnings and KPI
health. Every status and health state is written in words beside its colour.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import CondPageBreak, Image, Paragraph, Spacer, Table, TableStyle

from okrdata import wording as w
from okrdata.report import words
from okrdata.report.learnings import LEARNINGS_RULE
from okrdata.report.model import Report
from okrdata.report.pdf_style import (
    FRAME_WIDTH,
    INK,
    PDF_CHART_WIDTH,
    RULE,
    _coloured,
    _image,
    _table,
    text,
)
from okrdata.report.plots import chart_png, charts


def _cover(report: Report, s: dict) -> list:
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


def _headline(report: Report, s: dict) -> list:
    cells = [
        [
            Paragraph(text(label.upper()), s["figlabel"]),
            Paragraph(text(value), s["figvalue"]),
            Paragraph(text(note), s["fignote"]),
        ]
        for label, value, note in words.headline_figures(report)
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
    return [
        Paragraph("Headline", s["h2"]),
        Paragraph(text(words.headline_sentence(report)), s["lede"]),
        grid,
        Spacer(1, 8),
    ]


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


def _charts(report: Report, s: dict) -> list:
    built = charts(report, PDF_CHART_WIDTH, step=16)
    parts: list = []
    if "objectives" in built:
        parts += [_FitImage(chart_png(built["objectives"]), FRAME_WIDTH), Spacer(1, 8)]
    small = [built[name] for name in ("statuses", "kpis") if name in built]
    if small:
        half = FRAME_WIDTH / 2 - 6
        images = [_image(chart_png(c), half, 120) for c in small]
        row = Table([images + [""] * (2 - len(images))], colWidths=[FRAME_WIDTH / 2] * 2)
        row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        parts += [row, Spacer(1, 6)]
    return parts


def _objectives(report: Report, s: dict) -> list:
    parts: list = [Paragraph("Objectives", s["h2"])]
    if report.objectives.empty:
        return parts + [Paragraph(text(f"{report.scope} has no objectives in this cycle."), s["caption"])]
    rows = []
    for i, o in enumerate(report.objectives.to_dict("records"), start=1):
        owner = f" · {o['owner_name']}" if isinstance(o.get("owner_name"), str) and o["owner_name"] else ""
        band = w.score_band(o["score"]) if report.closed else None
        outcome = words.objective_outcome(report, o)
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
            (words.outcome_heading(report), True),
        ],
        rows,
        widths,
        s,
    )
    parts += [table, Spacer(1, 3), Paragraph(text(words.outcome_explanation(report)), s["caption"])]
    parts += [Paragraph(text(note), s["caption"]) for note in report.notes]
    return parts + _goalposts(report, s)


def _goalposts(report: Report, s: dict) -> list:
    if report.goalposts.empty:
        return []
    rows = [
        [_titled(g["Key result"], words.context(g), s), *_cells(g, words.GOALPOST_HEADINGS[1:], s)]
        for g in words.goalposts_table(report).to_dict("records")
    ]
    widths = [FRAME_WIDTH - 60 * mm - 50 * mm, 60 * mm, 50 * mm]
    return [
        Paragraph("Goalposts moved", s["h3"]),
        Paragraph(text(words.goalposts_summary(report)), s["caption"]),
        _table(list(words.GOALPOST_HEADINGS), rows, widths, s),
    ]


def _section(heading: str, caption: str, room: float, s: dict) -> list:
    """A section's heading and caption, on a new page unless ``room`` is left on this one."""
    return [CondPageBreak(room), Paragraph(heading, s["h2"]), Paragraph(text(caption), s["caption"])]


def _titled(title: str, under: str, s: dict) -> list:
    """A title cell with what it belongs to in grey under it."""
    return [Paragraph(text(title), s["cell"]), Paragraph(text(under), s["sub"])]


def _cells(row: dict, headings: tuple[tuple[str, bool], ...], s: dict) -> list:
    """The cells of ``row`` (a row of a table of text) under ``headings``; figures set right."""
    return [Paragraph(text(row[h]), s["cellnum"] if figure else s["cell"]) for h, figure in headings]


def _risks(report: Report, s: dict) -> list:
    parts = _section("Top risks", words.risk_summary(report), 60 * mm, s)
    if report.risks.empty:
        return parts
    rows = [
        [
            _titled(t["Key result"], words.context(t), s),
            Paragraph(_coloured(t["Status"], w.STATUS_COLOURS.get(status, w.MUTED_COLOUR)), s["cell"]),
            *_cells(t, words.RISK_HEADINGS[2:], s),
        ]
        for status, t in zip(report.risks["status"], words.risks_table(report).to_dict("records"))
    ]
    widths = [
        FRAME_WIDTH - 22 * mm - 18 * mm - 18 * mm - 26 * mm - 50 * mm,
        22 * mm,
        18 * mm,
        18 * mm,
        26 * mm,
        50 * mm,
    ]
    parts.append(_table(list(words.RISK_HEADINGS), rows, widths, s))
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


def _learnings(report: Report, s: dict) -> list:
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
    parts.append(Paragraph(text(LEARNINGS_RULE), s["caption"]))
    items, bars = [], []
    for x in report.learnings.to_dict("records"):
        tag = words.learning_tag(x).upper()
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


def _kpis(report: Report, s: dict) -> list:
    parts = _section("KPI health", words.kpi_summary(report), 50 * mm, s)
    if report.kpis.empty:
        if report.kpi_counts["kpis"]:
            parts.append(Paragraph("Every KPI is healthy and up to date.", s["caption"]))
        return parts
    rows = [
        [
            _titled(t["KPI"], t["Unit"], s),
            Paragraph(_coloured(t["Health"], w.HEALTH_COLOURS.get(health, w.MUTED_COLOUR)), s["cell"]),
            *_cells(t, words.KPI_HEADINGS[2:], s),
        ]
        for health, t in zip(report.kpis["health"], words.kpis_table(report).to_dict("records"))
    ]
    widths = [FRAME_WIDTH - 24 * mm - 46 * mm - 38 * mm - 24 * mm, 24 * mm, 46 * mm, 38 * mm, 24 * mm]
    parts.append(_table(list(words.KPI_HEADINGS), rows, widths, s))
    return parts
