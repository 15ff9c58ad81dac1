"""The wall screen: what a TV in the office shows for one unit, and when it moves to a new cycle.

A wall screen is read from across a room, so it shows few things in large type: the unit's
headline figures (:func:`okrdata.queries.cycle_summary`), a card for each objective the unit
owns with its key results, and one tile per unit directly below it. Everything here is picked
from frames that :mod:`okrdata.queries` already computed, so the figures are the same as on
every other page; nothing is recomputed.

Which objectives get a card? The unit's *own* objectives: a team's wall shows the team's
objectives, the company's wall the company objectives, and the units below each get a tile
with their branch's roll-up rather than dozens of cards. A unit that owns none (a department
that only groups teams) gets cards for its whole branch instead, so its wall is never empty
while it has OKRs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pandas as pd

REFRESH_SECONDS = 60
"""How often the wall screen redraws itself with the latest figures, unless configured."""
REFRESH_ENV = "OKR_WALL_REFRESH"
"""Environment variable: the wall's redraw interval in seconds (2 to 3600)."""
REFRESH_BOUNDS = (2, 3600)
MAX_CARDS = 12
"""Objective cards on one wall: more do not fit a TV in readable type."""
MAX_TILES = 12
"""Tiles for the units below: more do not fit either; the furthest behind are kept."""


def refresh_seconds(raw: str | None = None) -> int:
    """The wall's redraw interval: ``raw`` (default ``$OKR_WALL_REFRESH``) as whole seconds within
    :data:`REFRESH_BOUNDS`, or :data:`REFRESH_SECONDS` when it is unset or not a whole number."""
    text = (os.environ.get(REFRESH_ENV, "") if raw is None else raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:  # "²" is a digit int() refuses
        return REFRESH_SECONDS
    low, high = REFRESH_BOUNDS
    return min(max(int(text), low), high)


def every(seconds: int) -> str:
    """The interval in words: ``"minute"``, ``"5 minutes"``, ``"30 seconds"``."""
    if seconds == 60:
        return "minute"
    if seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds"


@dataclass(frozen=True)
class Card:
    """One objective on the wall: its row of :func:`okrdata.queries.objectives` and its key results'
    rows of :func:`okrdata.queries.key_results`, in the order they were entered."""

    objective: dict
    key_results: list[dict]


@dataclass(frozen=True)
class Wall:
    """What the wall shows below the headline figures."""

    unit_id: int | None
    """The unit shown (the company's root unit for the whole company); None when there are no units."""
    own: bool
    """True when the cards are the unit's own objectives; False when they are its whole branch's."""
    cards: list[Card] = field(default_factory=list)
    below: list[dict] = field(default_factory=list)
    """Rows of :func:`okrdata.queries.unit_progress` for the units directly below that have objectives."""
    card_count: int = 0
    """How many objectives there are to show; more than :data:`MAX_CARDS` get no card."""
    below_count: int = 0
    """How many units below have objectives; more than :data:`MAX_TILES` get no tile."""


def root_unit_id(units: pd.DataFrame) -> int | None:
    """The company's unit (the root of :func:`okrdata.queries.units`), or None when there are no units."""
    if units.empty:
        return None
    roots = units[units["depth"] == 0]
    return int(roots["id"].iloc[0]) if not roots.empty else None


def build(
    objectives: pd.DataFrame,
    key_results: pd.DataFrame,
    unit_progress: pd.DataFrame,
    units: pd.DataFrame,
    unit_id: int | None,
) -> Wall:
    """The cards and tiles of a unit's wall: at most :data:`MAX_CARDS` cards (the first entered)
    and :data:`MAX_TILES` tiles (the units furthest behind pace), with how many there are in all.

    ``objectives`` and ``key_results`` are the unit's branch for the cycle
    (:func:`okrdata.queries.objectives` and :func:`~okrdata.queries.key_results` with the same
    ``unit_id``), ``unit_progress`` the cycle's roll-up per unit, ``units`` the unit tree;
    ``unit_id`` None means the whole company.
    """
    shown = root_unit_id(units) if unit_id is None else int(unit_id)
    if objectives.empty:
        own_rows, own = objectives, True
    else:
        mine = objectives[objectives["unit_id"] == shown] if shown is not None else objectives.iloc[0:0]
        own = not mine.empty
        own_rows = mine if own else objectives
    card_count = len(own_rows)
    own_rows = own_rows.head(MAX_CARDS)
    by_objective: dict[int, list[dict]] = {}
    if not key_results.empty and not own_rows.empty:
        mine = key_results[key_results["objective_id"].isin(own_rows["objective_id"])]
        for kr in mine.sort_values(["objective_id", "kr_id"]).to_dict("records"):
            by_objective.setdefault(int(kr["objective_id"]), []).append(kr)
    cards = [
        Card(objective=o, key_results=by_objective.get(int(o["objective_id"]), [])) for o in own_rows.to_dict("records")
    ]
    below: list[dict] = []
    below_count = 0
    if shown is not None and not unit_progress.empty:
        children = unit_progress[(unit_progress["parent_id"] == shown) & (unit_progress["objective_count"] > 0)]
        below_count = len(children)
        if below_count > MAX_TILES:
            # The ones furthest behind pace matter most on a wall; they keep the outline order.
            behind = children.nsmallest(MAX_TILES, "pace").index
            children = children[children.index.isin(behind)]
        below = children.to_dict("records")
    return Wall(unit_id=shown, own=own, cards=cards, below=below, card_count=card_count, below_count=below_count)


def cycle_to_show(shown: int | None, default_then: int | None, default_now: int | None) -> int | None:
    """The cycle a wall left on should show now.

    A wall that shows the cycle that was the default when it was opened follows the default as
    it moves (a TV left on over the quarter's end shows the new quarter the next morning); a
    wall opened on another cycle on purpose stays on it.
    """
    if default_now is not None and shown == default_then and default_now != default_then:
        return default_now
    return shown


SCREEN_HEIGHT = 1080  # pixels of the TV the wall is laid out for (1920×1080)
HEADLINE_HEIGHT = 420  # title, caption, figures and the headline bar, with the page's margins
TILE_ROW_HEIGHT = 120  # one row of unit tiles, with the gap below it
CARD_HEIGHT = 200  # a card without key results: facts, a title of two lines, its bar
KR_LINE_HEIGHT = 62  # a key result of two lines and the gap below it
TILES_PER_ROW = 4


def _below_height(tiles: int, cut_note: bool) -> int:
    return 0 if not tiles else 50 + (40 if cut_note else 0) + TILE_ROW_HEIGHT * -(-tiles // TILES_PER_ROW)


def fill_plan(cards: int, tiles: int, cut_note: bool) -> tuple[int, int, int]:
    """How a wall of ``cards`` cards and ``tiles`` tiles fits :data:`SCREEN_HEIGHT`: cards per row
    (three rows at most, four a row past six cards), key result lines per card (as many as the
    height left holds; 0: a card shows its key results' status icons on one line) and how many
    tiles fit below the cards (whole rows; all of them unless the cards leave too little room)."""
    per_row = 2 if cards in (1, 2, 4) else (3 if cards <= 6 else 4)
    rows = -(-cards // per_row)
    free = SCREEN_HEIGHT - HEADLINE_HEIGHT - rows * CARD_HEIGHT
    while tiles and _below_height(tiles, cut_note) > free:
        tiles = max(0, (-(-tiles // TILES_PER_ROW) - 1) * TILES_PER_ROW)
        cut_note = True
    room = (free - _below_height(tiles, cut_note)) / max(rows, 1)
    return per_row, max(0, int(room // KR_LINE_HEIGHT)), tiles
