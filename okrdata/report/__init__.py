"""The executive summary: one cycle and one unit's branch on a page or two, for an executive committee.

One :class:`Report` (gathered by :func:`build`, or by :func:`from_frames` from frames the page's
cached readers already hold) becomes the Streamlit page (``pages/summary.py``), a
self-contained HTML file (:func:`to_html`) and an A4 PDF (:func:`to_pdf`). Nothing is
recomputed here: the report selects, orders and words what okrdata's queries return, and says
every figure through :mod:`okrdata.wording`.

Where things live (every name callers use is exported here, so ``report.build`` works):

- :mod:`~okrdata.report.model`: the :class:`Report`, the limits of what it lists, and
  :func:`build` / :func:`from_frames`;
- :mod:`~okrdata.report.learnings`: which check-in notes are quoted as learnings (the rule is
  in its docstring), and :func:`shorten`;
- :mod:`~okrdata.report.words`: the report's sentences, captions and tables of text;
- :mod:`~okrdata.report.plots`: its Altair charts, and their rendering to SVG and PNG;
- :mod:`~okrdata.report.html`: the HTML file, and :func:`_e`, the HTML escaping the
  notification e-mails share;
- :mod:`~okrdata.report.pdf` (:func:`to_pdf`), drawn from :mod:`~okrdata.report.pdf_sections`
  in the look of :mod:`~okrdata.report.pdf_style` (fonts, styles, the text filter).

A limit such as :data:`OBJECTIVES_LIMIT` is read from the module that defines it: to change one
(a test), set it there.
"""

from __future__ import annotations

from typing import Any

from okrdata.report.html import CSS, HTML_CHART_WIDTH, _e, status_chip, to_html
from okrdata.report.learnings import (
    LEARNING_COLUMNS,
    LEARNING_WORDS,
    LEARNINGS_LIMIT,
    LEARNINGS_RULE,
    MIN_NOTE_WORDS,
    NOTE_CHARS,
    pick_learnings,
    shorten,
)
from okrdata.report.model import (
    GOALPOST_COLUMNS,
    KPIS_LIMIT,
    OBJECTIVES_LIMIT,
    STATE_WORDS,
    TOP_RISKS,
    Report,
    build,
    from_frames,
    goalpost_rows,
    kpis_needing_attention,
)
from okrdata.report.plots import (
    CHART_OBJECTIVES,
    chart_note,
    chart_png,
    chart_svg,
    charts,
    kpi_chart,
    objective_chart,
    status_chart,
)
from okrdata.report.words import (
    HOW_TO_READ,
    goalposts_summary,
    goalposts_table,
    headline_figures,
    headline_sentence,
    kpi_reading,
    kpi_summary,
    kpi_target,
    kpis_table,
    kr_forecast,
    learning_tag,
    objective_outcome,
    objectives_table,
    outcome_explanation,
    outcome_heading,
    risk_summary,
    risks_table,
    status_text,
)


def __getattr__(name: str) -> Any:
    # The PDF maker loads ReportLab (about a second); every `okr` command loads this package,
    # so `to_pdf` is imported only when first asked for.
    if name == "to_pdf":
        from okrdata.report.pdf import to_pdf

        return to_pdf
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CHART_OBJECTIVES",
    "CSS",
    "GOALPOST_COLUMNS",
    "HOW_TO_READ",
    "HTML_CHART_WIDTH",
    "KPIS_LIMIT",
    "LEARNINGS_LIMIT",
    "LEARNINGS_RULE",
    "LEARNING_COLUMNS",
    "LEARNING_WORDS",
    "MIN_NOTE_WORDS",
    "NOTE_CHARS",
    "OBJECTIVES_LIMIT",
    "STATE_WORDS",
    "TOP_RISKS",
    "Report",
    "_e",
    "build",
    "chart_note",
    "chart_png",
    "chart_svg",
    "charts",
    "from_frames",
    "goalpost_rows",
    "goalposts_summary",
    "goalposts_table",
    "headline_figures",
    "headline_sentence",
    "kpi_chart",
    "kpi_reading",
    "kpi_summary",
    "kpi_target",
    "kpis_needing_attention",
    "kpis_table",
    "kr_forecast",
    "learning_tag",
    "objective_chart",
    "objective_outcome",
    "objectives_table",
    "outcome_explanation",
    "outcome_heading",
    "pick_learnings",
    "risk_summary",
    "risks_table",
    "shorten",
    "status_chart",
    "status_chip",
    "status_text",
    "to_html",
    "to_pdf",
]
