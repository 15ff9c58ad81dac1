"""The executive summary as one self-contained HTML file: :func:`to_html`.

Inline CSS, charts as inline SVG, no script, no external URL, print-friendly (laid out for A4).
Every text from the database goes through :func:`_e`, the escaping the notification e-mails
use too.
"""

from __future__ import annotations

import html
import re
from typing import Any

import altair as alt

from okrdata import wording
from okrdata.report.learnings import LEARNINGS_RULE
from okrdata.report.model import Report
from okrdata.report.plots import chart_svg, charts
from okrdata.report.words import (
    GOALPOST_HEADINGS,
    HOW_TO_READ,
    KPI_HEADINGS,
    RISK_HEADINGS,
    context,
    goalposts_summary,
    goalposts_table,
    headline_figures,
    headline_sentence,
    kpi_summary,
    kpis_table,
    learning_tag,
    objective_outcome,
    outcome_explanation,
    outcome_heading,
    risk_summary,
    risks_table,
)
from okrdata.wording import (
    HEALTH_COLOURS,
    SCORE_COLOURS,
    STATUS_COLOURS,
    day,
    kind_text,
    pct,
    score_band,
    status_label,
)

HTML_CHART_WIDTH = 360
"""Plot width of the objectives chart in the HTML file, in pixels (labels come on top)."""

CSS = """
:root { --ink: #1d2430; --muted: #5b6472; --rule: #d9dde3; --band: #f4f6f8; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #eceff3; color: var(--ink);
  font: 14px/1.45 "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
main { max-width: 820px; margin: 24px auto; background: #fff; padding: 40px 48px;
  box-shadow: 0 1px 4px rgba(0,0,0,.12); }
header.cover { border-bottom: 3px solid var(--ink); padding-bottom: 14px; margin-bottom: 20px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); margin: 0; }
h1 { font-size: 28px; line-height: 1.2; margin: 4px 0 6px; }
h2 { font-size: 19px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { margin: 0; color: var(--muted); }
.demo { margin: 10px 0 0; padding: 6px 10px; background: #fff6e0; border-left: 4px solid #e69500; font-size: 13px; }
.lede { font-size: 16px; margin: 12px 0; }
.figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin: 10px 0 14px; }
.figure { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 10px; }
.figure .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.figure .value { font-size: 24px; font-weight: 700; }
.figure .note { font-size: 11.5px; color: var(--muted); }
figure { margin: 12px 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
table { width: 100%; border-collapse: collapse; margin: 8px 0 4px; font-size: 12.5px; }
thead { display: table-header-group; }
th { text-align: left; background: var(--band); border-bottom: 2px solid var(--rule); padding: 5px 6px; font-size: 12px; }
td { border-bottom: 1px solid var(--rule); padding: 5px 6px; vertical-align: top; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.num, th.num { text-align: right; white-space: nowrap; }
.sub { color: var(--muted); font-size: 11.5px; }
.chip { display: inline-block; white-space: nowrap; font-weight: 700; font-size: 12px; }
.chip::before { content: ""; display: inline-block; width: 9px; height: 9px; border-radius: 50%;
  margin-right: 5px; background: currentColor; vertical-align: 0; }
.caption { color: var(--muted); font-size: 12.5px; margin: 4px 0; }
ul.learnings { list-style: none; padding: 0; margin: 6px 0; }
ul.learnings li { border-left: 3px solid var(--rule); padding: 4px 10px; margin: 8px 0; break-inside: avoid; page-break-inside: avoid; }
ul.learnings li.learning { border-left-color: #1f5fa8; }
.tag { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
footer { margin-top: 28px; border-top: 1px solid var(--rule); padding-top: 8px; color: var(--muted); font-size: 11.5px; }
h2, h3 { break-after: avoid; page-break-after: avoid; }
section { break-inside: auto; }
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  body { background: #fff; font-size: 11pt; }
  figure.main svg { max-height: 118mm; width: auto; }
  main { box-shadow: none; margin: 0; padding: 0; max-width: none; }
  .figures { grid-template-columns: repeat(3, 1fr); }
  a { color: inherit; text-decoration: none; }
}
@media screen and (max-width: 640px) {
  main { padding: 20px; }
  .figures, .pair { grid-template-columns: 1fr 1fr; }
}
"""


def _e(text: Any) -> str:
    """Text from the database made inert in HTML: every ``<``, ``>``, ``&`` and quote escaped."""
    return html.escape("" if wording.missing(text) else str(text), quote=True)


def _chip(label: str, colour: str) -> str:
    return f'<span class="chip" style="color:{colour}">{_e(label)}</span>'


def status_chip(status: str) -> str:
    """A status as HTML: a coloured disc *and* its label, so colour is never alone."""
    return _chip(status_label(status), STATUS_COLOURS.get(status, "#5b6472"))


def _own_ids(svg: str, prefix: str) -> str:
    """The SVG with its element ids (``clip31``...) renamed ``prefix-1``, ``prefix-2``...

    The renderer numbers clip paths across every chart it ever drew, so the same report would
    differ from one run to the next; renamed per chart, the file is the same each time and no
    two inline SVGs of one page share an id.
    """
    names: dict[str, str] = {}
    for old in re.findall(r'\bid="([^"]+)"', svg):
        names.setdefault(old, f"{prefix}-{len(names) + 1}")
    if not names:
        return svg
    pattern = re.compile(r'(\bid="|url\(#|href="#)(' + "|".join(re.escape(k) for k in names) + r')(?=[")])')
    return pattern.sub(lambda m: m.group(1) + names[m.group(2)], svg)


def _svg(chart: alt.TopLevelMixin | None, name: str, caption: str = "", css_class: str = "") -> str:
    if chart is None:
        return ""
    svg = _own_ids(chart_svg(chart), f"chart-{name}")
    # The SVG's own text is escaped by the renderer; only its XML prologue, if any, must go.
    svg = re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)
    cap = f'<figcaption class="caption">{_e(caption)}</figcaption>' if caption else ""
    attr = f' class="{css_class}"' if css_class else ""
    return f"<figure{attr}>{svg}{cap}</figure>"


def _headings(columns: tuple[tuple[str, bool], ...]) -> list[tuple[str, str]]:
    """:func:`_table`'s headings from (heading, whether the column holds a figure) pairs."""
    return [(heading, "num" if figure else "") for heading, figure in columns]


def _table(headings: list[tuple[str, str]], rows: list[list[str]]) -> str:
    """An HTML table; ``headings`` are (text, css class); row cells are HTML already escaped."""
    head = "".join(f'<th class="{cls}">{_e(text)}</th>' for text, cls in headings)
    body = "".join(
        "<tr>" + "".join(f'<td class="{cls}">{cell}</td>' for (_, cls), cell in zip(headings, row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _objectives_html(report: Report) -> str:
    if report.objectives.empty:
        return f'<p class="caption">{_e(report.scope)} has no objectives in this cycle.</p>'
    rows = []
    for i, o in enumerate(report.objectives.to_dict("records"), start=1):
        owner = f" · {_e(o['owner_name'])}" if not wording.missing(o.get("owner_name")) and o.get("owner_name") else ""
        band = score_band(o["score"]) if report.closed else None
        outcome = _chip(objective_outcome(report, o), SCORE_COLOURS[band]) if band else _e(objective_outcome(report, o))
        rows.append(
            [
                str(i),
                f'{_e(o["title"])}<div class="sub">{_e(o["unit_name"])}{owner} · {_e(kind_text(o["kind"]))}</div>',
                status_chip(o["status"]) + _sub(report.status_notes.get(int(o["objective_id"]))),
                _e(pct(o["progress"])),
                _e(wording.pace(o["progress"], o["expected"])),
                outcome,
            ]
        )
    table = _table(
        [
            ("#", "num"),
            ("Objective", ""),
            ("Status", ""),
            ("Progress (%)", "num"),
            ("Pace (pts)", "num"),
            (outcome_heading(report), "num"),
        ],
        rows,
    )
    extra = "".join(f'<p class="caption">{_e(t)}</p>' for t in report.notes)
    return table + f'<p class="caption">{_e(outcome_explanation(report))}</p>' + extra + _goalposts_html(report)


def _sub(text: str | None) -> str:
    return f'<div class="sub">{_e(text)}</div>' if text else ""


def _goalposts_html(report: Report) -> str:
    if report.goalposts.empty:
        return ""
    rows = [
        [_e(g["Key result"]) + _sub(context(g)), _e(g["Change"]), _e(g["Why"])]
        for g in goalposts_table(report).to_dict("records")
    ]
    return f'<h3>Goalposts moved</h3><p class="caption">{_e(goalposts_summary(report))}</p>' + _table(
        _headings(GOALPOST_HEADINGS), rows
    )


def _risks_html(report: Report) -> str:
    out = f'<p class="caption">{_e(risk_summary(report))}</p>'
    if report.risks.empty:
        return out
    rows = [
        [_e(t["Key result"]) + _sub(context(t)), status_chip(status), *(_e(t[h]) for h, _ in RISK_HEADINGS[2:])]
        for status, t in zip(report.risks["status"], risks_table(report).to_dict("records"))
    ]
    return out + _table(_headings(RISK_HEADINGS), rows)


def _learnings_html(report: Report) -> str:
    parts = []
    if not report.reflections.empty:
        parts.append('<h3>Reflections at close</h3><ul class="learnings">')
        for r in report.reflections.to_dict("records"):
            parts.append(
                f'<li class="learning"><strong>{_e(r["objective_title"])}</strong> '
                f'<span class="sub">{_e(r["unit_name"])}</span><br>{_e(r["reflection"])}</li>'
            )
        parts.append("</ul>")
    parts.append("<h3>From the check-in notes</h3>" if not report.reflections.empty else "")
    if report.learnings.empty:
        parts.append('<p class="caption">No check-in notes in this scope say more than a few words yet.</p>')
        return "".join(parts)
    parts.append(f'<p class="caption">{_e(LEARNINGS_RULE)}</p><ul class="learnings">')
    for r in report.learnings.to_dict("records"):
        tag = learning_tag(r)
        by = f", {_e(r['author_name'])}" if r["author_name"] else ""
        parts.append(
            f'<li class="{_e(r["kind"])}"><span class="tag">{tag}</span> · <strong>{_e(r["objective_title"])}</strong>'
            f'<div class="sub">{_e(r["kr_title"])} · {_e(day(r["checkin_date"]))}{by}</div>'
            f"“{_e(r['note'])}”</li>"
        )
    parts.append("</ul>")
    return "".join(parts)


def _kpis_html(report: Report) -> str:
    out = f'<p class="caption">{_e(kpi_summary(report))}</p>'
    if report.kpis.empty:
        return out + (
            '<p class="caption">Every KPI is healthy and up to date.</p>' if report.kpi_counts["kpis"] else ""
        )
    rows = [
        [
            _e(t["KPI"]) + _sub(t["Unit"]),
            _chip(t["Health"], HEALTH_COLOURS.get(health, "#5b6472")),
            *(_e(t[h]) for h, _ in KPI_HEADINGS[2:]),
        ]
        for health, t in zip(report.kpis["health"], kpis_table(report).to_dict("records"))
    ]
    return out + _table(_headings(KPI_HEADINGS), rows)


def to_html(report: Report) -> str:
    """The report as one self-contained HTML document: inline CSS, inline SVG charts, no script,
    no external URL; laid out for A4 when printed. Every text from the database is escaped."""
    figures = "".join(
        f'<div class="figure"><div class="label">{_e(label)}</div><div class="value">{_e(value)}</div>'
        f'<div class="note">{_e(note)}</div></div>'
        for label, value, note in headline_figures(report)
    )
    built = charts(report, HTML_CHART_WIDTH)
    demo = (
        '<p class="demo">Demo data: the figures describe the demo organisation, not a real one.</p>'
        if report.demo
        else ""
    )
    pair = ""
    if "statuses" in built or "kpis" in built:
        pair = f'<div class="pair">{_svg(built.get("statuses"), "statuses")}{_svg(built.get("kpis"), "kpis")}</div>'
    body = f"""
<header class="cover">
  <p class="eyebrow">Executive summary · {_e(report.scope_note)}</p>
  <h1>{_e(report.scope)}: {_e(report.cycle["name"])}</h1>
  <p class="meta">{_e(report.period)} · prepared {_e(day(report.today))} · figures as of {_e(day(report.headline["as_of"]))}</p>
  {demo}
</header>
<section id="headline">
  <h2>Headline</h2>
  <p class="lede">{_e(headline_sentence(report))}</p>
  <div class="figures">{figures}</div>
  {_svg(built.get("objectives"), "objectives", css_class="main")}
  {pair}
</section>
<section id="objectives">
  <h2>Objectives</h2>
  {_objectives_html(report)}
</section>
<section id="risks">
  <h2>Top risks</h2>
  {_risks_html(report)}
</section>
<section id="learnings">
  <h2>Learnings</h2>
  {_learnings_html(report)}
</section>
<section id="kpis">
  <h2>KPI health</h2>
  {_kpis_html(report)}
</section>
<footer>
  <p><strong>How to read this summary.</strong> {_e(HOW_TO_READ)}</p>
  <p>Prepared with the OKR dashboard on {_e(day(report.today))} for {_e(report.company)}.</p>
</footer>
"""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(report.title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )
