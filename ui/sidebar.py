"""The shared cycle and unit pickers in the sidebar, deep-linked through ``?cycle=ID&unit=ID``.

:func:`scope_pickers` runs once per script run, from ``app.py``, before the page: it reads the
query parameters, validates them against the database, draws the two select boxes and writes
the choice back to the URL, so the address bar is always a link to what is on screen. Pages
read the choice with :func:`current`.

Which wins, the URL or the pickers? A URL that differs from what this session last wrote was
typed, pasted or followed, so it wins; otherwise the pickers do. A URL with neither parameter
(Streamlit drops them when moving between pages) keeps the session's choice. A value that names
no cycle or unit (``?cycle=abc``, ``?unit=99999``) falls back to the default with a small
warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui import badges, data

CYCLE_KEY = "okr_cycle"
UNIT_KEY = "okr_unit"
SYNCED_KEY = "okr_synced_params"
SCOPE_KEY = "okr_scope"
COMPANY = 0
"""The unit picker's value for the whole company (unit ids start at 1)."""


@dataclass(frozen=True)
class Scope:
    """What the pages show: a cycle (None when there is none) and a unit (None = whole company)."""

    cycle_id: int | None
    unit_id: int | None
    cycle: dict | None
    unit_name: str
    company_name: str

    @property
    def label(self) -> str:
        """``"2026 Q4 · Web team"`` or ``"2026 Q4 · whole company"``, for captions."""
        cycle = self.cycle["name"] if self.cycle else "no cycle"
        return f"{cycle} · {self.unit_name}"

    def query_params(self) -> dict[str, str]:
        """The deep-link parameters of this scope, for ``st.page_link``/``st.switch_page``."""
        params = {}
        if self.cycle_id is not None:
            params["cycle"] = str(self.cycle_id)
        if self.unit_id is not None:
            params["unit"] = str(self.unit_id)
        return params


def _as_id(raw: object) -> int | None:
    """A positive integer from a query parameter's text, or None."""
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    if raw is None:
        return None
    text = str(raw).strip()
    # ASCII digits only ("²".isdigit() is true but int() refuses it) and a bounded length
    # (int() refuses more than 4,300 digits): a forged link must warn, not raise.
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    value = int(text)
    return value if value > 0 else None


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return None if value in (None, "") else str(value)


def _from_url(
    raw_cycle: str | None,
    raw_unit: str | None,
    cycle_ids: list[int],
    unit_options: list[int],
    root_id: int | None,
    default_cycle: int | None,
    cycle_names: dict[int, str],
) -> tuple[int | None, int, list[str]]:
    """The (cycle, unit) a URL asks for, with a warning for each value that names nothing."""
    warnings = []
    cycle_id = default_cycle
    if raw_cycle is not None and cycle_ids:
        wanted = _as_id(raw_cycle)
        if wanted in cycle_ids:
            cycle_id = wanted
        else:
            warnings.append(
                f"The link asks for cycle “{badges.escape_markdown(raw_cycle[:40])}”, which does not exist; "
                f"showing {badges.escape_markdown(cycle_names.get(default_cycle, 'the current cycle'))} instead."
            )
    unit = COMPANY
    if raw_unit is not None:
        wanted = _as_id(raw_unit)
        if wanted is not None and wanted == root_id:
            unit = COMPANY
        elif wanted in unit_options:
            unit = wanted
        else:
            warnings.append(
                f"The link asks for unit “{badges.escape_markdown(raw_unit[:40])}”, which does not exist; "
                "showing the whole company instead."
            )
    return cycle_id, unit, warnings


def scope_pickers() -> Scope:
    """Draw the cycle and unit pickers in the sidebar, keep the URL in step, and return the choice."""
    choices = data.scope_choices()
    cycle_rows = choices["cycle_rows"]
    cycle_ids = list(cycle_rows)
    cycle_names = {i: r["name"] for i, r in cycle_rows.items()}
    root_id, company_name, unit_names = choices["root_id"], choices["company_name"], choices["unit_names"]
    unit_labels = {COMPANY: "Whole company"}
    unit_labels.update((i, label) for i, label in choices["unit_paths"].items() if i != root_id)
    unit_options = list(unit_labels)
    default_cycle = data.default_cycle_id() if cycle_ids else None

    url = (_param("cycle"), _param("unit"))
    state = st.session_state
    warnings: list[str] = []
    first_run = CYCLE_KEY not in state or UNIT_KEY not in state
    url_moved = url != (None, None) and url != state.get(SYNCED_KEY)
    if first_run or url_moved:
        cycle_id, unit, warnings = _from_url(*url, cycle_ids, unit_options, root_id, default_cycle, cycle_names)
        state[CYCLE_KEY], state[UNIT_KEY] = cycle_id, unit
    else:
        if state[CYCLE_KEY] is None and cycle_ids:
            state[CYCLE_KEY] = default_cycle
        elif state[CYCLE_KEY] not in cycle_ids and cycle_ids:
            warnings.append(
                "The cycle you had chosen is gone; showing "
                f"{badges.escape_markdown(cycle_names.get(default_cycle, 'the current cycle'))}."
            )
            state[CYCLE_KEY] = default_cycle
        elif not cycle_ids:
            state[CYCLE_KEY] = None
        if state[UNIT_KEY] not in unit_options:
            warnings.append("The unit you had chosen is gone; showing the whole company.")
            state[UNIT_KEY] = COMPANY

    with st.sidebar:
        if cycle_ids:
            st.selectbox(
                "Cycle",
                options=cycle_ids,
                key=CYCLE_KEY,
                format_func=lambda i: f"{cycle_names[i]} · {cycle_rows[i]['state']}",
                help="The OKR cycle every page shows. The address bar keeps it, so the link can be shared.",
            )
        else:
            st.caption("No cycles yet.")
        st.selectbox(
            "Unit",
            options=unit_options,
            key=UNIT_KEY,
            format_func=lambda i: unit_labels.get(i, str(i)),
            help="A unit's figures cover it and every team below it.",
        )

    for text in warnings:
        st.warning(text, icon=":material/link_off:")

    cycle_id = state[CYCLE_KEY] if cycle_ids else None
    unit = state[UNIT_KEY]
    unit_id = None if unit == COMPANY else int(unit)
    _write_url(cycle_id, unit_id)
    scope = Scope(
        cycle_id=cycle_id,
        unit_id=unit_id,
        cycle=dict(cycle_rows[cycle_id]) if cycle_id is not None else None,
        unit_name="whole company" if unit_id is None else unit_names[unit_id],
        company_name=company_name,
    )
    state[SCOPE_KEY] = scope
    return scope


def _write_url(cycle_id: int | None, unit_id: int | None) -> None:
    wanted = (None if cycle_id is None else str(cycle_id), None if unit_id is None else str(unit_id))
    for name, value in zip(("cycle", "unit"), wanted):
        if value is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != value:
            st.query_params[name] = value
    st.session_state[SYNCED_KEY] = wanted


def current() -> Scope:
    """The scope chosen in this run's sidebar, for the page to show.

    ``app.py`` draws the pickers before every page; a page run without it (Streamlit's legacy
    ``pages/`` folder path, see :mod:`ui.frame`) is sent back through ``app.py``.
    """
    from ui import frame

    scope = st.session_state.get(SCOPE_KEY)
    if scope is None or frame.legacy_run():
        return frame.adopt_navigation()
    return scope


def scope_caption(scope: Scope) -> None:
    """A one-line caption under a page's title: cycle, its dates and state, and the unit."""
    if scope.cycle is None:
        return
    c = scope.cycle
    st.caption(
        f"{badges.escape_markdown(c['name'])} ({badges.date_range(c['start_date'], c['end_date'])}, {c['state']}) · "
        f"{badges.escape_markdown(scope.company_name if scope.unit_id is None else scope.unit_name)}"
        f"{' — whole company' if scope.unit_id is None else ''}"
    )
