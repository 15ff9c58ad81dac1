"""The learnings of the executive summary: which check-in notes it quotes, cut to what length.

**How learnings are picked** (:func:`pick_learnings`, a deterministic rule): among the
check-in notes of the objective's key results in this cycle, a note counts when it has at
least :data:`MIN_NOTE_WORDS` words. For each objective the most recent note that mentions an
obstacle or a learning (one of :data:`LEARNING_WORDS`, as a whole word, not right after "no",
"not", "nothing" or "without") is taken; an objective with no such note gives its most recent
counted note instead. At most :data:`LEARNINGS_LIMIT` are kept: obstacle/learning notes
before plain ones, then the most recent first; they are listed in the report's objective order.
Once the cycle is closed, an objective with a written reflection is represented by its
reflection instead, and only the others by a note (:func:`okrdata.report.model.from_frames`).

:func:`shorten` cuts every note, reflection and reason the report quotes to :data:`NOTE_CHARS`.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

LEARNINGS_LIMIT = 10
"""At most this many learnings from check-in notes."""
MIN_NOTE_WORDS = 6
"""A check-in note shorter than this ("On plan.", "24 tickets. Still good.") is not a learning."""
NOTE_CHARS = 400
"""Notes and reflections longer than this are cut (with an ellipsis) in the report."""
LEARNING_WORDS = (
    "learn",
    "learned",
    "learnt",
    "learning",
    "lesson",
    "lessons",
    "insight",
    "realised",
    "realized",
    "turns out",
    "turned out",
    "found",
    "discovered",
    "surprise",
    "surprised",
    "unknown",
    "blocked",
    "blocker",
    "blocking",
    "obstacle",
    "risk",
    "problem",
    "issue",
    "issues",
    "slipped",
    "delay",
    "delayed",
    "stuck",
    "waiting",
    "depends",
    "dependency",
    "need",
    "needs",
    "hiring",
    "headcount",
    "underestimated",
    "missed",
    "because",
    "instead",
    "changed",
    "change",
    "works",
    "worked",
    "useful",
    "twice",
    "half",
    "lost",
    "flat",
)
"""Words that mark a note as telling an obstacle or a learning (matched as whole words)."""
_NEGATIONS = ("no", "not", "nothing", "without")
_LEARNING_RE = re.compile(
    r"(?:\b(?P<before>\w+)\s+)?\b(?P<word>"
    + "|".join(re.escape(w) for w in sorted(LEARNING_WORDS, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)


def shorten(text: Any, limit: int = NOTE_CHARS) -> str:
    """User text on one line (runs of whitespace made one space), cut at ``limit`` characters with "…"."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _is_learning(note: str) -> bool:
    """True when a note mentions an obstacle or a learning (see the module docstring)."""
    for match in _LEARNING_RE.finditer(note):
        before = (match.group("before") or "").lower()
        if before not in _NEGATIONS:
            return True
    return False


LEARNING_COLUMNS = [
    "objective_id",
    "objective_title",
    "unit_name",
    "kr_id",
    "kr_title",
    "checkin_date",
    "author_name",
    "note",
    "kind",
]


def pick_learnings(objs: pd.DataFrame, history: pd.DataFrame, limit: int = LEARNINGS_LIMIT) -> pd.DataFrame:
    """One note per objective by the rule of the module docstring, at most ``limit``, in ``objs``'s order.

    ``objs`` is (ordered) :func:`okrdata.queries.objectives`, ``history`` is
    :func:`okrdata.queries.checkin_history` of the same cycle. ``kind`` is ``"learning"`` for a
    note that mentions an obstacle or a learning, ``"latest"`` for an objective's latest note.
    """
    if objs.empty or history.empty:
        return pd.DataFrame(columns=LEARNING_COLUMNS)
    wanted = {int(o) for o in objs["objective_id"]}
    notes = history[history["objective_id"].isin(wanted) & history["note"].notna()].copy()
    notes["note"] = [" ".join(str(t).split()) for t in notes["note"]]
    notes = notes[[len(t.split()) >= MIN_NOTE_WORDS for t in notes["note"]]]
    if notes.empty:
        return pd.DataFrame(columns=LEARNING_COLUMNS)
    notes["kind"] = ["learning" if _is_learning(t) else "latest" for t in notes["note"]]
    notes["_learning"] = notes["kind"] == "learning"
    # The newest first; per objective, a learning beats a plain note whatever their dates.
    notes = notes.sort_values(["_learning", "checkin_date", "checkin_id"], ascending=False, kind="stable")
    picked = notes.groupby("objective_id", sort=False).head(1)
    picked = picked.sort_values(["_learning", "checkin_date", "checkin_id"], ascending=False, kind="stable").head(limit)
    order = {int(o): i for i, o in enumerate(objs["objective_id"])}
    titles = dict(zip(objs["objective_id"].astype(int), objs["title"]))
    unit_names = dict(zip(objs["objective_id"].astype(int), objs["unit_name"]))
    picked = picked.assign(_order=[order[int(o)] for o in picked["objective_id"]]).sort_values("_order")
    return pd.DataFrame(
        {
            "objective_id": picked["objective_id"].astype(int),
            "objective_title": [titles[int(o)] for o in picked["objective_id"]],
            "unit_name": [unit_names[int(o)] for o in picked["objective_id"]],
            "kr_id": picked["kr_id"].astype(int),
            "kr_title": picked["kr_title"].astype(str),
            "checkin_date": picked["checkin_date"].astype(str),
            "author_name": picked["author_name"].fillna("").astype(str),
            "note": [shorten(t) for t in picked["note"]],
            "kind": picked["kind"],
        },
        columns=LEARNING_COLUMNS,
    ).reset_index(drop=True)


LEARNINGS_RULE = (
    "One note per objective: its most recent check-in note that mentions an obstacle or a learning, "
    "else its most recent note of six words or more; at most ten, obstacles and learnings first."
)
