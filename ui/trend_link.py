"""The choice of the Confidence trends page (a unit, an objective or a key result), kept in the
address bar and in the session.

The choice is deep-linked beside the sidebar's ``?cycle=…&unit=…``: ``?kr=ID`` opens a key
result, ``?objective=ID`` an objective, neither the unit. A link that names no key result or
objective of the chosen cycle and unit falls back to the first one, with a warning. As in
:mod:`ui.sidebar`, a URL that differs from what the page last wrote was followed, so it wins;
otherwise the widgets do. Other pages drop this page's widget keys, so the choice is also kept
under a key of its own (:data:`SAVED_KEY`) while they run.
"""

from __future__ import annotations

import streamlit as st

from ui import badges
from ui.sidebar import _as_id, _param

MODE_KEY = "trends_mode"
KR_KEY = "trends_kr"
OBJECTIVE_KEY = "trends_objective"
SAVED_KEY = "trends_choice"
SYNCED_KEY = "trends_synced_params"
MODES = ["unit", "objective", "kr"]
MODE_LABELS = {
    "unit": ":material/account_tree: Unit",
    "objective": ":material/flag: Objective",
    "kr": ":material/target: Key result",
}


def _forged(what: str, raw: str, where: str, fallback: bool) -> str:
    return f"The link asks for {what} “{badges.escape_markdown(raw[:40])}”, which does not exist in {where}; " + (
        f"showing the first {what} instead." if fallback else "showing the unit instead."
    )


def choose(kr_ids: list[int], objective_ids: list[int], where: str) -> list[str]:
    """Settle this run's choice (mode, key result, objective) from the URL or the session.

    Sets the widgets' state before they are drawn and returns the warnings for a forged link
    (``where`` names the cycle and unit in them, as Markdown).
    """
    state = st.session_state
    saved = dict(state.get(SAVED_KEY) or {"mode": "unit", "kr": None, "objective": None})
    url = (_param("kr"), _param("objective"))
    warnings = []
    if SAVED_KEY not in state or (url != (None, None) and url != state.get(SYNCED_KEY)):
        raw_kr, raw_objective = url
        if raw_kr is not None:
            saved["mode"] = "kr"
            wanted = _as_id(raw_kr)
            saved["kr"] = wanted if wanted in kr_ids else None
            if saved["kr"] is None:
                warnings.append(_forged("key result", raw_kr, where, bool(kr_ids)))
        elif raw_objective is not None:
            saved["mode"] = "objective"
            wanted = _as_id(raw_objective)
            saved["objective"] = wanted if wanted in objective_ids else None
            if saved["objective"] is None:
                warnings.append(_forged("objective", raw_objective, where, bool(objective_ids)))
    # A choice that the cycle or unit no longer holds falls back quietly: the user changed scope.
    if saved["kr"] not in kr_ids:
        saved["kr"] = kr_ids[0] if kr_ids else None
    if saved["objective"] not in objective_ids:
        saved["objective"] = objective_ids[0] if objective_ids else None
    nothing_to_show = saved["mode"] == "kr" and saved["kr"] is None
    nothing_to_show |= saved["mode"] == "objective" and saved["objective"] is None
    if nothing_to_show or saved["mode"] not in MODES:
        saved["mode"] = "unit"
    state[SAVED_KEY] = saved
    # Widgets take the saved choice when they are new (first run, back from another page) or stale.
    moved = url != state.get(SYNCED_KEY)
    if state.get(MODE_KEY) not in MODES or warnings or moved:
        state[MODE_KEY] = saved["mode"]
    if state.get(KR_KEY) not in kr_ids or moved:
        state[KR_KEY] = saved["kr"]
    if state.get(OBJECTIVE_KEY) not in objective_ids or moved:
        state[OBJECTIVE_KEY] = saved["objective"]
    return warnings


def write_url(mode: str, kr_id: int | None = None, objective_id: int | None = None) -> None:
    """Put the choice in the address bar (``?kr=`` or ``?objective=``, neither for a unit) and remember it."""
    wanted = (
        str(kr_id) if mode == "kr" and kr_id is not None else None,
        str(objective_id) if mode == "objective" and objective_id is not None else None,
    )
    for name, value in zip(("kr", "objective"), wanted):
        if value is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != value:
            st.query_params[name] = value
    state = st.session_state
    state[SYNCED_KEY] = wanted
    saved = dict(state.get(SAVED_KEY) or {})
    saved["mode"] = mode
    if kr_id is not None:
        saved["kr"] = kr_id
    if objective_id is not None:
        saved["objective"] = objective_id
    state[SAVED_KEY] = saved
