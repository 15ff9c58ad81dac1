"""The All OKRs page's data: search, filters and CSV export, and one objective's own page.

The list is one row per key result, carrying its objective's columns; an objective with no key
result yet gets one row of its own (key result columns empty), so nothing an organisation wrote
down is hidden. :func:`okr_rows` builds the rows from :func:`okrdata.queries.key_results` and
:func:`okrdata.queries.objectives` (one cycle, or several), and :func:`select` narrows them:

- **text**: every word must occur (case-insensitively, as a literal: ``%``, ``_`` and quotes
  are just characters) in the objective's title or description, the key result's title, or
  any of the key result's check-in notes; the words may be spread over those fields.
  :func:`text_matches` asks SQLite, bounded by the chosen cycles (and unit branch), with
  ``LIKE … ESCAPE`` for ASCII words and a Unicode-aware fold for the rest, and says where each
  row matched (``matched_in``) with a ``snippet`` of the matching note or description.
- **unit** (a unit's whole branch), **owner** (of the key result or of its objective),
  **status**, **kind** (committed, aspirational) and **key result type**, all combinable.

:func:`search` runs the whole pipeline on a database; the page composes the same pieces from
its cached readers. :func:`export_csv` is the download: exactly the rows selected, with
readable column names and unformatted numbers.

For one objective (``?objective=ID``): :func:`objective` finds it, and so its cycle, in one
query; :func:`alignment_up` and :func:`alignment_down` walk the alignment chain;
:func:`objective_findings`, :func:`kr_guides` and :func:`kr_notes` feed its page.

Where things live (every public name is exported here, so ``search.okr_rows`` works):
:mod:`~okrdata.search.text` (the words and the text matches), :mod:`~okrdata.search.listing`
(the rows, the filters and the pipeline), :mod:`~okrdata.search.export` (the download) and
:mod:`~okrdata.search.objective_page` (one objective's page).
"""

from __future__ import annotations

from okrdata.search.export import EXPORT_COLUMNS, export_csv, export_frame
from okrdata.search.listing import (
    KIND_LABELS,
    KR_TYPE_LABELS,
    ROW_COLUMNS,
    Filters,
    counts,
    okr_rows,
    owners,
    rows,
    search,
    select,
)
from okrdata.search.objective_page import (
    CHAIN_COLUMNS,
    alignment_down,
    alignment_up,
    as_id,
    kr_guides,
    kr_notes,
    objective,
    objective_findings,
)
from okrdata.search.text import (
    FIELD_LABELS,
    MATCH_COLUMNS,
    MAX_WORD_LENGTH,
    MAX_WORDS,
    SNIPPET_AFTER,
    SNIPPET_BEFORE,
    like_pattern,
    text_matches,
    words,
)

__all__ = [
    "CHAIN_COLUMNS",
    "EXPORT_COLUMNS",
    "FIELD_LABELS",
    "Filters",
    "KIND_LABELS",
    "KR_TYPE_LABELS",
    "MATCH_COLUMNS",
    "MAX_WORDS",
    "MAX_WORD_LENGTH",
    "ROW_COLUMNS",
    "SNIPPET_AFTER",
    "SNIPPET_BEFORE",
    "alignment_down",
    "alignment_up",
    "as_id",
    "counts",
    "export_csv",
    "export_frame",
    "kr_guides",
    "kr_notes",
    "like_pattern",
    "objective",
    "objective_findings",
    "okr_rows",
    "owners",
    "rows",
    "search",
    "select",
    "text_matches",
    "words",
]
