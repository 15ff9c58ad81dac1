"""The one module of wording: a table of inputs and the exact text each gives.

Every page, the executive summary (HTML and PDF) and the command line say a figure through
:mod:`okrdata.wording`, so these tables pin what a reader sees everywhere.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from okrdata import numbers as n
from okrdata import wording as w

M = "\u2212"


@pytest.mark.parametrize(
    "value, text",
    [
        (0.0, "0%"),
        (1.0, "100%"),
        (0.42, "42%"),
        (0.425, "43%"),  # half up, on the number as written
        (0.125, "13%"),
        (0.785, "79%"),
        (0.005, "1%"),
        (0.00499, "0%"),
        (-0.004, "0%"),  # never "−0%"
        (-0.0, "0%"),
        (1.234, "123%"),
        (np.float64(0.5), "50%"),
        (None, "—"),
        (math.nan, "—"),
        (pd.NA, "—"),
    ],
)
def test_pct(value, text):
    assert w.pct(value) == text


@pytest.mark.parametrize(
    "progress, expected, text",
    [
        (0.7851, 0.6249, "+17 pts"),  # 79% − 62%, not round(16.02) = 16
        (0.785, 0.625, "+16 pts"),  # 79% − 63%
        (0.51, 0.62, f"{M}11 pts"),
        (0.40, 0.60, f"{M}20 pts"),
        (0.4, 0.4, "±0 pts"),
        (0.404, 0.396, "±0 pts"),  # both read 40%
        (0.244, 0.62, f"{M}38 pts"),
        (1.0, 0.0, "+100 pts"),
        (None, 0.5, "—"),
        (0.5, math.nan, "—"),
    ],
)
def test_pace_is_the_difference_of_the_percentages_shown(progress, expected, text):
    assert w.pace(progress, expected) == text
    if text != "—":
        shown = int(w.pct(progress)[:-1].replace(M, "-")) - int(w.pct(expected)[:-1].replace(M, "-"))
        assert w.pace_points(progress, expected) == shown


@pytest.mark.parametrize(
    "progress, expected, band",
    [
        (0.50, 0.60, n.ON_PACE),  # −10 pts: on pace
        (0.49, 0.60, n.BEHIND),  # −11 pts
        (0.35, 0.60, n.BEHIND),  # −25 pts: behind
        (0.34, 0.60, n.FAR_BEHIND),
        (0.7851, 0.6249, n.ON_PACE),
        (None, 0.6, None),
    ],
)
def test_pace_band_is_the_band_of_the_points_shown(progress, expected, band):
    assert w.pace_band(progress, expected) == band


def test_a_pace_shown_at_the_band_boundary_takes_the_better_band():
    # 50.4% reads 50%, 60.4% reads 60%: "−10 pts", which is on pace, whatever the hair below.
    assert w.pace(0.504, 0.604) == f"{M}10 pts"
    assert w.pace_band(0.504, 0.604) == n.ON_PACE
    assert w.pace(0.494, 0.605) == f"{M}12 pts"
    assert w.pace_band(0.494, 0.605) == n.BEHIND


@pytest.mark.parametrize(
    "progress, expected, text",
    [
        (0.5, 0.5, "on pace"),
        (0.51, 0.5, "1 point ahead of pace"),
        (0.49, 0.5, "1 point behind pace"),
        (0.7851, 0.6249, "17 points ahead of pace"),
        (0.51, 0.62, "11 points behind pace"),
    ],
)
def test_pace_sentence(progress, expected, text):
    assert w.pace_sentence(progress, expected) == text


@pytest.mark.parametrize(
    "value, text",
    [
        (0.67, "0.67 · yellow"),
        (0.695, "0.70 · green"),
        (0.7, "0.70 · green"),
        (0.4, "0.40 · yellow"),
        (0.395, "0.40 · yellow"),
        (0.3949, "0.39 · red"),
        (0.0, "0.00 · red"),
        (-0.0, "0.00 · red"),  # never "-0.00"
        (-0.004, "0.00 · red"),
        (-1e-17, "0.00 · red"),
        (1.0, "1.00 · green"),
        (0.525, "0.53 · yellow"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_score(value, text):
    assert w.score(value) == text


@pytest.mark.parametrize(
    "value, text",
    [(0.05, "+0.05"), (-0.3, f"{M}0.30"), (0.0, "±0.00"), (-0.004, "±0.00"), (0.005, "+0.01"), (None, "—")],
)
def test_signed_score(value, text):
    assert w.signed_score(value) == text


@pytest.mark.parametrize(
    "value, unit_label, text",
    [
        (1250, "users", "1,250 users"),
        (3.5, "%", "3.5%"),
        (99.9, "%", "99.9%"),
        (1849.6667, "EUR", "1,849.67 EUR"),
        (2.0, "", "2"),
        (0.5, None, "0.5"),
        (-0.0, "h", "0 h"),  # a projection that rounds to zero is "0", never "-0"
        (-0.001, "", "0"),
        (-12.5, "°C", "-12.5 °C"),
        (1_000_000, "€", "1,000,000€"),
        (None, "users", "—"),
        (math.nan, "", "—"),
        (7, math.nan, "7"),
        (1, "days", "1 day"),  # "From 3.2 days to 1 day"
        (1.0, "users", "1 user"),
        (1, "active users", "1 active user"),
        (1.004, "hours", "1 hour"),
        (2, "days", "2 days"),
        (1.5, "days", "1.5 days"),
        (1, "ms", "1 ms"),
        (1, "bps", "1 bps"),
        (1, "EUR", "1 EUR"),
        (1, "status", "1 status"),
        (1, "class", "1 class"),
        (1, "%", "1%"),
    ],
)
def test_number(value, unit_label, text):
    assert w.number(value, unit_label) == text


@pytest.mark.parametrize(
    "kr_type, baseline, target, unit_label, text",
    [
        ("increase", 1200, 2000, "teams", "From 1,200 teams to 2,000 teams"),
        ("decrease", 9, 4, "h", "From 9 h to 4 h"),
        ("stay_above", None, 99.9, "%", "Stay above 99.9%"),
        ("stay_below", None, 200, "ms", "Stay below 200 ms"),
        ("milestone", 0, 1, "", "Milestone, 0 to 100% done"),
    ],
)
def test_goal(kr_type, baseline, target, unit_label, text):
    assert w.goal(kr_type, baseline, target, unit_label) == text


@pytest.mark.parametrize(
    "kr_type, value, target, unit_label, shown, aim",
    [
        ("increase", 1460, 2000, "teams", "1,460 teams", "2,000 teams"),
        ("stay_above", 99.95, 99.9, "%", "99.95%", "≥ 99.9%"),
        ("stay_below", 180, 200, "ms", "180 ms", "≤ 200 ms"),
        ("milestone", 0.4, 1, "", "40%", "100%"),
        ("milestone", None, None, "", "—", "100%"),
    ],
)
def test_kr_value_and_target(kr_type, value, target, unit_label, shown, aim):
    assert w.kr_value(value, unit_label, kr_type) == shown
    assert w.kr_target(target, unit_label, kr_type) == aim


@pytest.mark.parametrize(
    "value, progress, unit_label, kr_type, text",
    [
        (1849.6, 0.812, "teams", "increase", "1,849.6 teams (progress 81%)"),
        (-0.0004, 0.0, "h", "decrease", "0 h (progress 0%)"),
        (0.8, 0.8, "", "milestone", "80% done"),
        (None, None, "", "increase", "—"),
    ],
)
def test_forecast(value, progress, unit_label, kr_type, text):
    assert w.forecast(value, progress, unit_label, kr_type) == text


@pytest.mark.parametrize(
    "count, noun, plural_noun, text",
    [
        (1, "day", None, "1 day"),
        (0, "day", None, "0 days"),
        (2, "day", None, "2 days"),
        (1, "key result", None, "1 key result"),
        (1250, "key result", None, "1,250 key results"),
        (1, "person", "people", "1 person"),
        (3, "person", "people", "3 people"),
        (np.int64(1), "unit", None, "1 unit"),
    ],
)
def test_plural(count, noun, plural_noun, text):
    assert w.plural(count, noun, plural_noun) == text


@pytest.mark.parametrize("count, text", [(1, "1 day"), (12, "12 days"), (0, "0 days"), (None, "—")])
def test_days(count, text):
    assert w.days(count) == text


@pytest.mark.parametrize(
    "value, text",
    [
        (dt.date(2026, 12, 5), "5 Dec 2026"),
        ("2026-12-05", "5 Dec 2026"),
        ("2026-03-03T10:00:00", "3 Mar 2026"),
        (dt.datetime(2026, 1, 9, 23, 0), "9 Jan 2026"),
        (pd.Timestamp("2026-10-01"), "1 Oct 2026"),
        (None, "—"),
        ("", "—"),
        (pd.NaT, "—"),
    ],
)
def test_day(value, text):
    assert w.day(value) == text


def test_date_range():
    assert w.date_range("2026-10-01", dt.date(2026, 12, 31)) == "1 Oct 2026 – 31 Dec 2026"


@pytest.mark.parametrize(
    "value, text",
    [
        ("2026-12-06T14:02:33+00:00", "6 Dec 2026, 14:02 UTC"),
        ("2026-12-06T15:02:33+01:00", "6 Dec 2026, 14:02 UTC"),
        ("2026-12-06 14:02:33", "6 Dec 2026, 14:02 UTC"),
        ("2026-12-06T14:02:33Z", "6 Dec 2026, 14:02 UTC"),
        (None, "—"),
    ],
)
def test_moment(value, text):
    assert w.moment(value) == text


@pytest.mark.parametrize("value, text", [(7, "7/10"), (7.0, "7/10"), (0, "0/10"), (None, "—"), (math.nan, "—")])
def test_confidence(value, text):
    assert w.confidence(value) == text


def test_words_of_every_status_band_health_type_and_kind():
    assert [w.status_label(s) for s in n.STATUSES] == ["Off track", "Stale", "At risk", "On track"]
    assert set(w.STATUS_COLOURS) == set(w.STATUS_LABELS) == set(n.STATUSES)
    assert set(w.PACE_BAND_LABELS) == set(w.PACE_WORDS) == set(n.PACE_BANDS)
    assert len(set(w.STATUS_COLOURS.values())) == len(n.STATUSES)
    assert w.status_label("not_a_status") == "Not a status"
    assert [w.PACE_BAND_LABELS[b] for b in n.PACE_BANDS] == ["Far behind", "Behind", "On pace"]
    assert set(w.PACE_COLOURS) == set(n.PACE_BANDS)
    assert w.health_label("no_data") == "No data"
    assert w.kr_type_label("stay_above") == "Stay above"
    assert w.kind_text("committed") == "Committed (expects 1.0)"
    assert w.kind_text("aspirational") == "Aspirational (expects 0.7)"
    assert w.kpi_target("stay_above", 99.9, "%") == "stay above 99.9%"
    assert w.status_line({n.ON_TRACK: 26, n.AT_RISK: 15, n.OFF_TRACK: 2, n.STALE: 1}) == (
        "On track 26 · At risk 15 · Off track 2 · Stale 1"
    )


# --- one home ------------------------------------------------------------------------------

RULES = {
    "a percentage": r"\*\s*100\s*:\s*\.\d+f\}%",
    "a date": r":%b %Y\}|%d %b %Y\"\)",
    "a pace in points": r"\} pts\"|\"±0 pts\"",
    "a score with its band": r"\.2f\} · ",
}


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_is_written_once(rule):
    """Pages, the summary, e-mails and the CLI say figures through okrdata.wording, never their own way."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    files = [p for folder in ("okrdata", "ui", "pages") for p in (root / folder).rglob("*.py")]
    assert len(files) > 40
    found = [
        f"{p.relative_to(root)}:{i}"
        for p in files
        if p.name != "wording.py"
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(RULES[rule], line)
    ]
    assert found == []


def test_wording_loads_neither_numpy_nor_pandas():
    """The feed commands start lean and say their figures through this module too."""
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import sys; from okrdata import wording as w; w.number(1, 'days'); w.day('2026-01-02'); "
        "w.kr_value(0.4, '', 'milestone'); w.confidence(7); "
        "print([m for m in ('numpy', 'pandas', 'okrdata.numbers') if m in sys.modules])"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(root), "PATH": ""},
    )
    assert done.stdout.strip() == "[]", done.stderr
