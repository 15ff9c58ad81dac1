"""The executive summary as a PDF, laid out for A4 with ReportLab (pip only, no system library).

:func:`to_pdf` turns a :class:`okrdata.report.model.Report` into the sections of
:mod:`okrdata.report.pdf_sections`, drawn in the look of :mod:`okrdata.report.pdf_style`, with
a running header and "Page X of Y" on every page. The output is byte-for-byte the same for the
same report (ReportLab's *invariant* mode: no timestamp, a fixed document id).
"""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import CondPageBreak, Paragraph, SimpleDocTemplate, Spacer

from okrdata import wording as w
from okrdata.report.model import Report
from okrdata.report.pdf_sections import _charts, _cover, _headline, _kpis, _learnings, _objectives, _risks
from okrdata.report.pdf_style import (
    FONT,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MUTED,
    PAGE,
    RULE,
    _drawable,
    _styles,
    register_fonts,
    text,
)
from okrdata.report.words import HOW_TO_READ


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


def to_pdf(report: Report) -> bytes:
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
    story += [Spacer(1, 10), Paragraph(f"<b>How to read this summary.</b> {text(HOW_TO_READ)}", s["small"])]

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
