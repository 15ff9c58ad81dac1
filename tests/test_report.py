"""The executive summary: its content equals okrdata's figures, the HTML file is self-contained
and escapes every text, the PDF is a real, readable document, and ``okr report`` writes both.

The demo organisation is built once for the module (a closed and an active cycle, eleven units,
KPIs); a test that changes it works on its own copy.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import pkgutil
import re

import pandas as pd
import pytest
from click.testing import CliRunner
from db_copies import copy_db
from pypdf import PdfReader

from okrdata import attention, kpis, report, wording
from okrdata import queries as q
from okrdata import writes as w
from okrdata.cli import cli
from okrdata.db import connect
from okrdata.report.pdf_style import text as pdf_text

TODAY = dt.date.today()
HOSTILE = "<script>alert('x')</script> & <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def demo_file(demo_template, tmp_path_factory):
    """This module's copy of the demo (conftest's ``demo_template``)."""
    return copy_db(demo_template, tmp_path_factory.mktemp("report") / "demo.db")


@pytest.fixture(scope="module")
def demo(demo_file):
    db = connect(demo_file)
    yield db
    db.close()


@pytest.fixture(scope="module")
def scope(demo):
    """(active cycle, closed cycle, the Web App team, the Product & Engineering department)."""
    cycles = q.cycles(demo)
    units = q.units(demo)
    by_name = dict(zip(units["name"], units["id"].astype(int)))
    return (
        int(cycles[cycles["state"] == "active"]["id"].iloc[0]),
        int(cycles[cycles["state"] == "closed"]["id"].iloc[0]),
        by_name["Web App"],
        by_name["Product & Engineering"],
    )


@pytest.fixture(scope="module")
def company(demo, scope):
    return report.build(demo, scope[0], None, TODAY)


@pytest.fixture(scope="module")
def team(demo, scope):
    return report.build(demo, scope[0], scope[2], TODAY)


@pytest.fixture(scope="module")
def closed(demo, scope):
    return report.build(demo, scope[1], None, TODAY)


@pytest.fixture(scope="module")
def company_html(company):
    return report.to_html(company)


@pytest.fixture
def own_copy(demo_file, tmp_path):
    """A copy of the demo this test may change."""
    import sqlite3

    path = tmp_path / "copy.db"
    source, target = sqlite3.connect(demo_file), sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    db = connect(path)
    yield db, path
    db.close()


# --- the content equals okrdata's figures --------------------------------------------------


@pytest.mark.parametrize("which", ["company", "team", "department", "closed"])
def test_headline_and_objectives_equal_the_queries(demo, scope, which):
    active, closed_id, web, product = scope
    cycle_id = closed_id if which == "closed" else active
    unit_id = {"team": web, "department": product}.get(which)
    rep = report.build(demo, cycle_id, unit_id, TODAY)
    assert rep.headline == q.cycle_summary(demo, cycle_id, unit_id, TODAY)
    objs = q.objectives(demo, cycle_id, unit_id, TODAY)
    assert len(rep.objectives) == len(objs) == rep.headline["objective_count"] > 0
    mine = rep.objectives.set_index("objective_id").sort_index()
    theirs = objs.set_index("objective_id").sort_index()
    for column in ("title", "unit_name", "status", "kind"):
        assert list(mine[column]) == list(theirs[column]), column
    for column in ("progress", "pace", "forecast_score", "score"):
        pd.testing.assert_series_equal(mine[column].astype(float), theirs[column].astype(float), check_names=False)
    assert rep.closed == (which == "closed")
    if rep.closed:
        assert mine["score"].notna().all()
        assert all(
            report.objective_outcome(rep, o).startswith(wording.score(o["score"]))
            for o in rep.objectives.to_dict("records")
        )
    else:
        assert [report.objective_outcome(rep, o) for o in rep.objectives.to_dict("records")] == [
            wording.pct(f) for f in rep.objectives["forecast_score"]
        ]


def test_objectives_follow_the_unit_outline(company, demo):
    order = {int(u): i for i, u in enumerate(q.units(demo)["id"])}
    positions = [order[int(u)] for u in company.objectives["unit_id"]]
    assert positions == sorted(positions)
    assert company.objectives["unit_name"].iloc[0] == company.company  # the company's own come first


@pytest.mark.parametrize("which", ["company", "team", "closed"])
def test_risks_are_the_key_results_needing_attention(demo, scope, which):
    cycle_id = scope[1] if which == "closed" else scope[0]
    unit_id = scope[2] if which == "team" else None
    rep = report.build(demo, cycle_id, unit_id, TODAY)
    want, total = attention.needing_attention(q.key_results(demo, cycle_id, unit_id, TODAY), limit=report.TOP_RISKS)
    assert rep.risk_total == total
    assert list(rep.risks["kr_id"]) == list(want["kr_id"])
    assert list(rep.risks["reasons"]) == list(want["reasons"])
    assert len(rep.risks) == min(total, report.TOP_RISKS)
    assert f"{total} of {rep.kr_total} key results need attention" in report.risk_summary(rep) or total == 0


@pytest.mark.parametrize("unit", [None, "Web App", "Product & Engineering"])
def test_kpi_health_counts_and_the_ones_listed(demo, scope, unit):
    unit_id = {"Web App": scope[2], "Product & Engineering": scope[3]}.get(unit)
    rep = report.build(demo, scope[0], unit_id, TODAY)
    frame = q.kpis(demo, unit_id, TODAY)
    assert rep.kpi_counts == kpis.summary(frame)
    trouble = frame[(frame["health"] != "healthy") | frame["overdue"].astype(bool)]
    assert rep.kpi_trouble_total == len(trouble) <= report.KPIS_LIMIT
    assert sorted(rep.kpis["kpi_id"]) == sorted(trouble["kpi_id"])
    ranks = [kpis.HEALTH_STATES.index(h) for h in rep.kpis["health"]]
    assert ranks == sorted(ranks)  # worst first


def test_the_demo_company_report_has_something_in_every_section(company, closed):
    assert company.risk_total > 0 and len(company.learnings) > 0
    assert company.kpi_counts["breached"] + company.kpi_counts["warning"] > 0
    assert len(closed.reflections) > 0
    assert company.reflections.empty  # reflections are written at close


def test_headline_figures_are_the_summary_formatted(company, closed):
    h = company.headline
    figures = {label: value for label, value, _ in report.headline_figures(company)}
    assert figures == {
        "Progress": wording.pct(h["progress"]),
        "Expected": wording.pct(h["expected"]),
        "Pace": wording.pace(h["progress"], h["expected"]),
        "Days left": str(h["days_left"]),
        "Objectives": str(h["objective_count"]),
        "Key results": str(h["kr_count"]),
    }
    assert wording.pct(h["progress"]) in report.headline_sentence(company)
    assert "closed on" in report.headline_sentence(closed)


def test_the_report_and_the_pages_say_figures_through_one_module():
    from ui import badges

    for name in ("pct", "pace", "score", "day", "days", "date_range"):
        assert getattr(badges, name) is getattr(wording, name)
    assert badges.COLOURS is wording.STATUS_COLOURS
    # Each module of the report that names a figure's formatter or colours holds wording's own.
    shared = ("pct", "score", "score_band", "day", "days", "status_line", "status_label", "health_label")
    shared += ("STATUS_COLOURS", "HEALTH_COLOURS", "SCORE_COLOURS", "SCORE_BANDS")
    modules = [importlib.import_module(f"okrdata.report.{m.name}") for m in pkgutil.iter_modules(report.__path__)]
    assert len(modules) >= 6
    for name in shared:
        holders = [m for m in modules if hasattr(m, name)]
        assert holders, name
        assert all(getattr(m, name) is getattr(wording, name) for m in holders), name


# --- learnings: the rule -------------------------------------------------------------------


def _history(rows):
    return pd.DataFrame(
        [
            {
                "checkin_id": i,
                "kr_id": kr,
                "kr_title": f"KR {kr}",
                "objective_id": obj,
                "checkin_date": date,
                "note": note,
                "author_name": "Ann",
            }
            for i, (obj, kr, date, note) in enumerate(rows, start=1)
        ]
    )


def _objs(ids):
    return pd.DataFrame({"objective_id": ids, "title": [f"O{i}" for i in ids], "unit_name": ["U"] * len(ids)})


def test_a_learning_beats_a_newer_plain_note_and_short_notes_never_count():
    history = _history(
        [
            (1, 10, "2026-10-01", "We learned that onboarding calls matter more than the docs."),
            (1, 11, "2026-10-20", "Up two points this week, same plan as before."),
            (1, 10, "2026-10-27", "On plan."),
            (2, 20, "2026-10-05", "Up two points this week, same plan as before."),
            (2, 20, "2026-10-12", "Up three points this week, same plan as before."),
        ]
    )
    picked = report.pick_learnings(_objs([1, 2]), history)
    assert list(picked["objective_id"]) == [1, 2]
    assert list(picked["kind"]) == ["learning", "latest"]
    assert picked["note"].iloc[0].startswith("We learned")
    assert picked["checkin_date"].iloc[1] == "2026-10-12"  # the latest plain note


@pytest.mark.parametrize(
    ("note", "learning"),
    [
        ("Blocked on the vendor's API keys since Tuesday, escalated.", True),
        ("Team is focused, nothing blocking us this week at all.", False),
        ("No risk to the date, all three releases went out.", False),
        ("It turns out customers read the release notes closely.", True),
        ("We need someone from support on call at night.", True),
    ],
)
def test_what_counts_as_an_obstacle_or_learning(note, learning):
    picked = report.pick_learnings(_objs([1]), _history([(1, 10, "2026-10-01", note)]))
    assert picked["kind"].iloc[0] == ("learning" if learning else "latest")


def test_learnings_are_capped_learnings_first_and_in_objective_order():
    rows = [
        (i, i, f"2026-10-{i:02d}", f"Plain progress note number {i} for this objective here.") for i in range(1, 13)
    ]
    rows.append((12, 12, "2026-09-01", "Slipped a week because the data import broke twice."))
    picked = report.pick_learnings(_objs(list(range(12, 0, -1))), _history(rows), limit=5)
    assert len(picked) == 5
    assert picked["objective_id"].iloc[0] == 12 and picked["kind"].iloc[0] == "learning"
    # the rest: the most recent plain notes (objectives 11, 10, 9, 8), in the objectives' order
    assert list(picked["objective_id"]) == [12, 11, 10, 9, 8]


def test_at_close_reflections_stand_for_their_objectives(closed):
    reflected = set(closed.reflections["objective_id"])
    assert reflected
    assert not reflected & set(closed.learnings["objective_id"])


# --- the HTML file -------------------------------------------------------------------------


def test_html_is_self_contained_and_print_ready(company_html):
    html = company_html
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert "<link" not in html.lower() and "@import" not in html
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?(?!#)""", html), "no attribute loads anything"
    assert re.findall(r"url\(([^)]*)\)", html) and all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", html))
    # the only "http" left is the SVG namespace, which loads nothing
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    assert html.count("<svg") == 3
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "two inline charts share an id"
    assert "@media print" in html and "break-inside: avoid" in html and "@page" in html


def test_html_carries_the_figures(company, company_html):
    html = company_html
    h = company.headline
    for text in (
        company.cycle["name"],
        company.company,
        wording.pct(h["progress"]),
        wording.pct(h["expected"]),
        wording.pace(h["progress"], h["expected"]),
        report.headline_sentence(company),
    ):
        assert report._e(text) in html, text
    assert len(company.objectives) and len(company.risks)
    for title in company.objectives["title"]:
        assert report._e(title) in html
    for title in company.risks["title"]:
        assert report._e(title) in html
    for label in ("On track", "At risk", "Off track"):
        assert f">{label}</span>" in html  # a status is always written out, not only coloured
    assert "Forecast at end (%)" in html and "Progress (%)" in html


def test_html_of_a_closed_cycle_has_scores_and_reflections(closed):
    html = report.to_html(closed)
    assert "Score (0–1)" in html and "Reflections at close" in html
    assert report._e(closed.reflections["reflection"].iloc[0]) in html


@pytest.mark.slow
def test_html_is_the_same_each_time(team):
    # (the PDF's sameness is pinned by the page test, which compares a download with to_pdf)
    assert report.to_html(team) == report.to_html(team)


def _hostile(db) -> tuple[int, int]:
    """An objective, key result, check-in note and KPI whose texts are markup; returns (cycle, unit)."""
    cycle_id = q.default_cycle_id(db, TODAY)
    root = int(q.units(db)["id"].iloc[0])
    unit = w.add_unit(db, f"Team {HOSTILE}", parent_id=root, person=w.SYSTEM)
    objective = w.add_objective(db, cycle_id, unit, f"Objective {HOSTILE}", person=w.SYSTEM)
    kr = w.add_key_result(
        db, objective, f"KR {HOSTILE} from 1 to 10", "increase", 1, 10, unit_label="<b>u</b>", person=w.SYSTEM
    )
    start = dt.date.fromisoformat(q.cycle(db, cycle_id)["start_date"])
    w.add_checkin(
        db,
        kr,
        start + dt.timedelta(days=1),
        2,
        3,
        note=f"We learned that {HOSTILE} breaks things badly.",
        person=w.SYSTEM,
    )
    return cycle_id, unit


def test_html_escapes_every_text_from_the_database(own_copy):
    db, _ = own_copy
    cycle_id, unit = _hostile(db)
    rep = report.build(db, cycle_id, unit, TODAY)
    assert rep.risk_total == 1 and len(rep.learnings) == 1
    html = report.to_html(rep)
    assert "<script" not in html and "<img" not in html and "<b>u</b>" not in html
    assert (
        "Objective &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in html
    )
    assert "We learned that &lt;script&gt;" in html
    assert not re.search(r"""\bsrc\s*=""", html.replace("&lt;img src=x", "")), "an attribute came from the data"


def test_an_empty_scope_still_makes_a_report(own_copy):
    db, _ = own_copy
    root = int(q.units(db)["id"].iloc[0])
    lonely = w.add_unit(db, "Lonely team", parent_id=root, person=w.SYSTEM)
    rep = report.build(db, q.default_cycle_id(db, TODAY), lonely, TODAY)
    assert rep.objectives.empty and rep.risk_total == 0
    html = report.to_html(rep)
    assert "Lonely team has no objectives" in html and "<svg" not in html
    assert PdfReader(io.BytesIO(report.to_pdf(rep))).pages


# --- the PDF -------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), [p.extract_text() for p in reader.pages]


@pytest.mark.slow
def test_pdf_of_the_company_is_a_readable_document(company):
    data = report.to_pdf(company)
    assert data.startswith(b"%PDF-")
    pages, texts = _pdf_text(data)
    assert 3 <= pages <= 8, pages
    for i, text in enumerate(texts, start=1):
        assert f"Page {i} of {pages}" in text
    whole = "\n".join(texts)
    for words in (
        company.cycle["name"],
        company.company,
        "Headline",
        "Objectives",
        "Top risks",
        "Learnings",
        "KPI health",
        wording.pct(company.headline["progress"]),
    ):
        assert words in whole, words
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == company.title
    assert sum(len(p.images) for p in reader.pages) == 3  # the three charts


def test_pdf_of_a_team_is_short_and_has_its_objectives(team):
    pages, texts = _pdf_text(report.to_pdf(team))
    assert pages <= 3
    whole = " ".join(" ".join(texts).split())
    assert "Web App: " + team.cycle["name"] in whole
    for title in team.objectives["title"]:
        assert " ".join(title.split()[:4]) in whole


def test_pdf_prints_markup_as_text(own_copy):
    db, _ = own_copy
    cycle_id, unit = _hostile(db)
    pages, texts = _pdf_text(report.to_pdf(report.build(db, cycle_id, unit, TODAY)))
    whole = " ".join(" ".join(texts).split())
    assert "<script>alert('x')</script>" in whole


def test_pdf_text_escapes_markup_and_replaces_what_the_font_cannot_draw():
    assert pdf_text("<b>bold</b> & co") == "&lt;b&gt;bold&lt;/b&gt; &amp; co"
    assert pdf_text("Zürich − 5 €") == "Zürich − 5 €"  # in every font the report uses
    # DejaVu draws Ł and ź; Vera (the fallback) has Ł but not ź, which becomes its base letter.
    assert pdf_text("Łódź") in ("Łódź", "Łódz")
    assert pdf_text("漢字") == "??"  # no CJK in either font
    assert pdf_text(None) == ""


# --- okr report ----------------------------------------------------------------------------


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.mark.slow
def test_okr_report_writes_html_and_pdf(demo_file, scope, tmp_path):
    html = tmp_path / "summary.html"
    result = run("report", html, "--db", demo_file)
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and html.read_text().startswith("<!DOCTYPE html>")
    db = connect(demo_file)
    try:
        assert html.read_text() == report.to_html(report.build(db, scope[0], None, TODAY))
    finally:
        db.close()
    pdf = tmp_path / "web.pdf"
    db = connect(demo_file)
    closed_name = q.cycle(db, scope[1])["name"]
    db.close()
    result = run("report", pdf, "--db", demo_file, "--unit", "web app", "--cycle", closed_name)
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    pages, texts = _pdf_text(pdf.read_bytes())
    assert f"Web App: {closed_name}" in texts[0] and "Page 1 of" in texts[0]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["summary.txt"], "OUT"),
        (["summary.pdf", "--unit", "Nowhere"], "--unit"),
        (["summary.pdf", "--cycle", "1999 Q1"], "--cycle"),
    ],
)
def test_okr_report_refuses_bad_input(demo_file, tmp_path, args, field):
    result = run("report", tmp_path / args[0], *args[1:], "--db", demo_file)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {field}:")
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_okr_report_keeps_an_existing_file_unless_forced(demo_file, tmp_path):
    out = tmp_path / "summary.html"
    out.write_text("mine")
    assert run("report", out, "--db", demo_file).exit_code == 2
    assert out.read_text() == "mine"
    assert run("report", out, "--db", demo_file, "--force").exit_code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_okr_report_needs_an_existing_database(tmp_path):
    result = run("report", tmp_path / "x.html", "--db", tmp_path / "missing.db")
    assert result.exit_code == 2 and "--db" in result.output


def test_a_large_scope_is_bounded_and_says_so(demo, scope, monkeypatch):
    monkeypatch.setattr(report.model, "OBJECTIVES_LIMIT", 5)
    monkeypatch.setattr(report.plots, "CHART_OBJECTIVES", 3)
    monkeypatch.setattr(report.model, "KPIS_LIMIT", 2)
    rep = report.build(demo, scope[0], None, TODAY)
    assert len(rep.objectives) == 5 and rep.objective_total == rep.headline["objective_count"] > 5
    assert rep.notes == [
        f"{rep.objective_total - 5} more objectives are not listed: make a summary per unit to see them."
    ]
    assert set(rep.learnings["objective_id"]) <= set(rep.objectives["objective_id"])
    spec = report.objective_chart(rep).to_dict(validate=False)
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) == 3
    assert f"the first 3 of {rep.objective_total} objectives are drawn" in str(spec["title"])
    assert len(rep.kpis) == 2 < rep.kpi_trouble_total
    assert f"The 2 most troubled of {rep.kpi_trouble_total} are listed." in report.kpi_summary(rep)


# --- scores: two decimals beside their band ------------------------------------------------


@pytest.mark.slow
def test_a_score_shows_two_decimals_beside_its_band_in_the_page_html_and_pdf(own_copy, scope):
    # 0.67 is yellow: with one decimal it read "0.7 · yellow", a green number beside a yellow word.
    db, _ = own_copy
    closed_id = scope[1]
    first = int(q.objectives(db, closed_id).iloc[0]["objective_id"])
    db.execute("UPDATE objectives SET score = 0.67 WHERE id = ?", [first])
    db.conn.commit()
    rep = report.build(db, closed_id, None, TODAY)
    row = rep.objectives.set_index("objective_id").loc[first].to_dict()
    assert report.objective_outcome(rep, row) == "0.67 · yellow"
    assert (
        report.objectives_table(rep)[report.outcome_heading(rep)].str.fullmatch(r"\d\.\d\d · (red|yellow|green)").all()
    )
    html = report.to_html(rep)
    assert "0.67 · yellow" in html and "0.7 · yellow" not in html
    pdf = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(report.to_pdf(rep))).pages)
    assert "0.67 · yellow" in " ".join(pdf.split())  # the narrow column wraps the line


# --- the forecast's projected value, moved goalposts, statuses that read against progress ----------


@pytest.mark.slow
def test_risks_show_where_their_forecast_heads(company):
    risks = report.risks_table(company)
    with_forecast = [k for k in company.risks.to_dict("records") if not pd.isna(k["forecast_value"])]
    assert with_forecast, "the demo has risks with three check-ins or more"
    for k in with_forecast:
        projected = wording.forecast(k["forecast_value"], k["forecast_score"], k["unit_label"], k["kr_type"])
        assert projected in list(risks["Forecast at end"])
        assert report._e(projected) in report.to_html(company)
    assert set(risks.loc[[pd.isna(v) for v in company.risks["forecast_value"]], "Forecast at end"]) <= {"—"}


def _pdf_words(rep) -> str:
    return " ".join(" ".join(_pdf_text(report.to_pdf(rep))[1]).split())


@pytest.mark.slow
def test_moved_goalposts_are_listed_in_the_summary_html_and_pdf(own_copy, scope):
    db, _ = own_copy
    krs = q.key_results(db, scope[0], None, TODAY)
    kr = krs[krs["kr_type"] == "increase"].iloc[0]
    db["key_result_changes"].insert(
        {
            "kr_id": int(kr["kr_id"]),
            "field": "target",
            "before": float(kr["target"]),
            "after": float(kr["target"]) * 2,
            "changed_by": None,
            "changed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "reason": "Scope doubled",
        }
    )
    rep = report.build(db, scope[0], None, TODAY)
    change = (
        f"target {wording.number(kr['target'])} → {wording.number(float(kr['target']) * 2)} on {wording.day(TODAY)}"
    )
    assert list(rep.goalposts["kr_title"]) == [kr["title"]]
    assert list(rep.goalposts["change"]) == [change]
    assert report.goalposts_summary(rep).startswith("1 key result had its goalposts moved")
    html = report.to_html(rep)
    assert "Goalposts moved" in html and report._e(change) in html and "Scope doubled" in html
    words = _pdf_words(rep)
    assert "Goalposts moved" in words and "Scope doubled" in words
    if kr["kr_id"] in set(rep.risks["kr_id"]):
        assert any(f"Goalposts moved: {change}" in " · ".join(r) for r in rep.risks["reasons"])


@pytest.mark.slow
def test_an_objective_whose_status_reads_against_its_progress_says_what_it_rests_on(own_copy, scope):
    db, _ = own_copy
    objs = q.objectives(db, scope[0], None, TODAY)
    krs = q.key_results(db, scope[0], None, TODAY)
    # Every key result of one objective made done, and one of them off track: "100% · Off track".
    objective_id = int(objs["objective_id"].iloc[0])
    mine = krs[krs["objective_id"] == objective_id]
    for i, kr in enumerate(mine.to_dict("records")):
        db.execute("UPDATE key_results SET kr_type = 'milestone', baseline = 0, target = 1 WHERE id = ?", [kr["kr_id"]])
        w.add_checkin(db, int(kr["kr_id"]), TODAY, 1.0, 2 if i == 0 else 9, "Done", person=w.SYSTEM)
    rep = report.build(db, scope[0], None, TODAY)
    row = rep.objectives[rep.objectives["objective_id"] == objective_id].iloc[0]
    assert (row["progress"], row["status"]) == (1.0, "off_track")
    note = rep.status_notes[objective_id]
    assert note.startswith("by “") and f"confidence 2/10 on {wording.day(TODAY)}" in note
    table = report.objectives_table(rep)
    assert f"Off track ({note})" in list(table["Status"])
    assert report._e(note) in report.to_html(rep)
    assert "confidence 2/10" in _pdf_words(rep)


def test_the_headline_pace_adds_up_with_the_percentages_beside_it(company, closed):
    for rep in (company, closed):
        h = rep.headline
        shown = {label: value for label, value, _ in report.headline_figures(rep)}
        progress, expected = (int(shown[k].rstrip("%")) for k in ("Progress", "Expected"))
        points = progress - expected
        assert shown["Pace"] == wording.points(points)
        assert wording.pace_sentence(h["progress"], h["expected"]) in report.headline_sentence(rep)
