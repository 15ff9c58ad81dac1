"""Cached readers: the one mechanism that caches what the pages read, and the one-time init.

A reader is declared once, with :func:`reader`, over a function that reads
:mod:`okrdata.queries` (or derives from other readers)::

    @reader(reads=("cycle", "today"))
    def key_results(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
        with opened() as db:
            return q.key_results(db, cycle_id, unit_id, today())

Its result is kept per database file and arguments, together with the *versions* of the data
it was built from, and handed out again until one of them moves. The versions live in the
database (:mod:`okrdata.schema`, ``data_versions``): triggers move them in the very transaction
that writes, by scope: ``org`` (units, people, cycles, settings), ``kpis``, ``cycle:ID`` (a
cycle's objectives, key results and check-ins) and ``plan:ID`` (the same without check-ins).
So a check-in drops what was built from its own cycle and nothing else, and a write by anyone
(this session, another browser session, another process of the app, the ``okr`` command line)
is seen by every session at its next rerun. Asking costs a few microseconds
(:class:`okrdata.db.Watch`); nothing is cleared after a write.

``reads`` names what the function reads itself: ``"org"``, ``"kpis"``, ``"cycle"`` and ``"plan"``
(of its ``cycle_id`` argument), ``"cycles"`` (of each of its ``cycle_ids``; None: all),
``"all"`` (anything), ``"today"`` (the date). A reader that only derives from other readers
reads nothing itself (``reads=()``): it depends on whatever they depend on, found out as it
runs. Arguments whose name starts with ``_`` are not part of the key.

Results are copies (each caller gets its own), unless the reader is ``shared``: then every
session gets the same object, which must be read and never changed. :func:`clear` forgets
everything (the tests and the benchmark start cold with it). :func:`memo` caches what a page
derives from the readers, a chart spec above all, the same way.

Each reader opens its own short connection (:func:`opened`) and closes it: each Streamlit
script run is its own thread, so no connection is ever shared between runs. A database the
app cannot use (not SQLite, a newer version's, read-only, a full disk, busy) raises a
:class:`okrdata.db.DatabaseError` from :func:`opened`, whose message ``app.py`` shows on the
page; a form's write shows it beside the form (:func:`ui.forms.run_write`).

The one-time init also keeps one idle connection open for as long as the process runs
(:func:`okrdata.db.hold`), so that ``okr restore`` knows the app is using the database.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import hashlib
import inspect
import math
import pickle
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from okrdata import quality, review
from okrdata import queries as q
from okrdata.db import (
    DatabaseError,
    Watch,
    connect,
    db_path,
    explained,
    file_stamp,
    hold,
    writer_lock,
)
from okrdata.schema import migrate, schema_version
from ui import badges

Stamp = tuple
MAX_ENTRIES = 64
"""Results kept per reader (distinct arguments); the least recently used fall out."""


def path() -> str:
    """The database file in use: ``$OKR_DB``, else ``data/okr.db`` (absolute)."""
    return str(db_path().absolute())


def stamp(db_file: str | None = None) -> Stamp:
    """(mtime_ns, size) of the database file and of its ``-wal`` file (:func:`okrdata.db.file_stamp`)."""
    return file_stamp(db_file or path())


@contextlib.contextmanager
def opened(db_file: str | None = None) -> Iterator[sqlite_utils.Database]:
    """A short connection for one unit of work (a read here, or a page's write), then closed.

    An error of SQLite or of the file system inside the block leaves it as a
    :class:`okrdata.db.DatabaseError` that says what is wrong.
    """
    db_file = db_file or path()
    deps = _building.get()
    if deps is not None and not deps.declared:
        # Read straight from the file by something that declared nothing (a memo's build):
        # it then moves with any write to the file, as every cache once did.
        deps.add("stamp", file_stamp(db_file))
    db = connect(db_file)
    try:
        with explained(db_file):
            yield db
    finally:
        db.close()


def today() -> dt.date:
    """The day the figures are computed for."""
    return dt.date.today()


# --- the one-time init -------------------------------------------------------------------


def _load_demo(db: sqlite_utils.Database) -> bool:
    try:
        from okrdata.seed import load_demo
    except ModuleNotFoundError as exc:  # the seed loader is not installed: start empty
        if exc.name not in ("okrdata.seed",):
            raise
        return False
    load_demo(db)
    return True


class _Held:
    """The path, and the idle connection kept open while the app serves it (never used)."""

    def __init__(self, db_file: str):
        self.path = db_file
        self._connection = hold(db_file)


@st.cache_resource(show_spinner="Preparing the database…")
def _init(db_file: str) -> _Held:
    """Bring the schema up to date; a brand-new database (no schema yet) gets the demo organisation.

    A database that has a schema but no data was started empty on purpose (``okr init``) and
    is left so. Not cached when it fails (a bad file), so the next run tries again. Done under
    the writers' lock, so that several processes of the app starting on one new file load the
    demo once.
    """
    with opened(db_file) as db, writer_lock(db_file):
        fresh = schema_version(db) == 0 and not db.table_names()
        migrate(db)
        if fresh and q.cycles(db).empty and q.units(db).empty:
            _load_demo(db)
    return _Held(db_file)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _usable(db_file: str, db_stamp: Stamp) -> bool:
    # Opening checks the file (SQLite, a version this one reads): once per stamp, so a file
    # swapped under the running app, by a newer version's restore say, is caught at once.
    with opened(db_file):
        return True


def ensure_database() -> str:
    """Run the one-time init for the current path (once per process and path), check the file
    (once per stamp) and return the path.

    When the file cannot be used, the page shows why (:func:`show_problem`) and stops there.
    """
    db_file = path()
    try:
        _init(db_file)
        _usable(db_file, stamp(db_file))
    except DatabaseError as error:
        show_problem(error)
        st.stop()
    return db_file


def show_problem(error: DatabaseError) -> None:
    """Say on the page why the database cannot be used (instead of an exception)."""
    st.error(
        "The dashboard cannot use its database: " + badges.escape_markdown(error.message),
        icon=":material/database_off:",
    )


# --- the mechanism -------------------------------------------------------------------------

_watches: weakref.WeakValueDictionary[str, Watch] = weakref.WeakValueDictionary()


@st.cache_resource(show_spinner=False)
def _watch(db_file: str) -> Watch:
    # A resource, so that stopping the app (or clearing Streamlit's resources) lets go of the file.
    return Watch(db_file)


def versions(db_file: str | None = None) -> dict[str, Any]:
    """The versions of the data of the database by scope, as the database has them now
    (:meth:`okrdata.db.Watch.versions`)."""
    db_file = db_file or path()
    watch = _watches.get(db_file)
    if watch is None:
        watch = _watches[db_file] = _watch(db_file)
    return watch.versions()


def changed_key_results(cycle_id: int, since: Any, db_file: str | None = None) -> set[int] | None:
    """The key results of a cycle whose check-ins changed after version ``since`` of the
    cycle; None when that is not known (:meth:`okrdata.db.Watch.changed_key_results`)."""
    db_file = db_file or path()
    watch = _watches.get(db_file)
    if watch is None or not isinstance(since, int):
        return None
    return watch.changed_key_results(int(cycle_id), since)


def _version(now: Mapping[str, Any], scope: str) -> Any:
    if scope == "today":
        return today()
    if scope == "stamp":
        return file_stamp(path())
    if "*" in now and scope != "file":  # a file without versions: everything moves with its stamp
        return now["*"]
    return now.get(scope)


_CONFLICT = object()
"""A version that matches nothing: two parts of one result were read at different versions."""


class _Deps:
    """The versions a result was built from, gathered while it is built."""

    def __init__(self, declared: bool = False) -> None:
        self.seen: dict[str, Any] = {}
        self.declared = declared
        """Whether the reader named what it reads (else opening the file counts as reading all of it)."""

    def add(self, scope: str, version: Any) -> None:
        known = self.seen.setdefault(scope, version)
        if known is not version and known != version:
            self.seen[scope] = _CONFLICT


_building: contextvars.ContextVar[_Deps | None] = contextvars.ContextVar("okr_reader_deps", default=None)


_bare_page: contextvars.ContextVar[_Deps | None] = contextvars.ContextVar("okr_page_deps", default=None)


def _page() -> _Deps:
    """What this script run has read so far (outside a script run: this thread, ever)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        deps = _bare_page.get()
        if deps is None:
            deps = _Deps()
            _bare_page.set(deps)
        return deps
    held = getattr(ctx, "_okr_page_deps", None)
    if held is None or held[0] is not ctx.cursors:  # Streamlit gives each run new cursors
        held = (ctx.cursors, _Deps())
        ctx._okr_page_deps = held
    return held[1]


def depends(*scopes: str) -> None:
    """Inside a reader, declare more of what it reads (``"cycle:7"``, say), at the versions of now."""
    deps = _building.get()
    if deps is not None:
        now = versions()
        for scope in scopes:
            deps.add(scope, _version(now, scope))


def _hashable(value: Any) -> Hashable:
    """``value`` as part of a cache key: equal values give equal keys (NaN included)."""
    if value is None or isinstance(value, (bool, int, str, bytes, dt.date, dt.datetime, pd.Timestamp)):
        return value
    if isinstance(value, float):
        return "nan" if math.isnan(value) else value
    if isinstance(value, np.generic):
        return _hashable(value.item())
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted((_hashable(v) for v in value), key=repr)))
    if isinstance(value, Mapping):
        return ("map", tuple(sorted(((str(k), _hashable(v)) for k, v in value.items()), key=lambda kv: kv[0])))
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return ("frame", hashlib.sha1(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest())
    try:
        hash(value)
    except TypeError:
        return ("pickle", hashlib.sha1(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest())
    return value


class _Entry:
    __slots__ = ("deps", "value")

    def __init__(self, value: Any, deps: dict[str, Any]):
        self.value = value
        self.deps = deps


_READERS: list[Reader] = []

_ORG_SCOPES = ("org", "id", "file")


class Reader:
    """One cached reader (see the module's docstring); made by :func:`reader`."""

    def __init__(
        self,
        fn: Callable[..., Any],
        reads: Sequence[str],
        shared: bool,
        max_entries: int,
        patch: Callable[..., Any] | None = None,
        after_page: bool = False,
    ):
        unknown = set(reads) - {"org", "kpis", "cycle", "plan", "cycles", "all", "today"}
        if unknown:
            raise ValueError(f"{fn.__qualname__} reads {sorted(unknown)}: not a scope")
        self.fn = fn
        self.reads = tuple(reads)
        self.shared = shared
        self.max_entries = max_entries
        self.patch = patch
        self.after_page = after_page
        self.signature = inspect.signature(fn)
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple, list] = {}
        functools.update_wrapper(self, fn)
        _READERS.append(self)

    def _scopes(self, arguments: Mapping[str, Any]) -> list[str]:
        scopes = []
        for what in self.reads:
            if what in ("cycle", "plan"):
                if arguments.get("cycle_id") is not None:
                    scopes.append(f"{what}:{int(arguments['cycle_id'])}")
            elif what == "cycles":
                ids = arguments.get("cycle_ids")
                scopes.extend(["all"] if ids is None else [f"cycle:{int(i)}" for i in ids])
            else:
                scopes.append(what)
        if any(what != "today" for what in self.reads):
            scopes.extend(_ORG_SCOPES)
        return scopes

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        db_file = path()
        key = (db_file, tuple(_hashable(v) for k, v in bound.arguments.items() if not k.startswith("_")))
        now = versions(db_file)
        entry = self._get(key)
        if entry is None or not _valid(entry.deps, now):
            entry = self._build(key, bound, db_file, entry)
        page, outer = _page(), _building.get()
        for scope, version in entry.deps.items():
            page.add(scope, version)
            if outer is not None:
                outer.add(scope, version)
        return entry.value if self.shared else pickle.loads(entry.value)

    def _get(self, key: tuple) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _build(self, key: tuple, bound: inspect.BoundArguments, db_file: str, stale: _Entry | None) -> _Entry:
        # One build per key at a time: sessions asking for the same thing meanwhile wait for it.
        with self._lock:
            slot = self._building.setdefault(key, [threading.RLock(), 0])
            slot[1] += 1
        try:
            with slot[0]:
                now = versions(db_file)
                entry = self._get(key)
                if entry is not None and _valid(entry.deps, now):
                    return entry
                deps = _Deps(declared=any(what != "today" for what in self.reads))
                for scope in self._scopes(bound.arguments):
                    deps.add(scope, _version(now, scope))
                if self.after_page:
                    for scope, version in _page().seen.items():
                        deps.add(scope, version)
                token = _building.set(deps)
                started = time.perf_counter()
                how = "rebuilt" if stale is not None else "new"
                try:
                    value = None
                    if self.patch is not None and stale is not None:
                        old = stale.value if self.shared else pickle.loads(stale.value)
                        value = self.patch(old, stale.deps, now, *bound.args, **bound.kwargs)
                        how = "patched" if value is not None else how
                    if value is None:
                        value = self.fn(*bound.args, **bound.kwargs)
                finally:
                    _building.reset(token)
                    if _builds is not None:
                        _builds.append((self._label(bound), time.perf_counter() - started, how))
                entry = _Entry(
                    value if self.shared else pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), deps.seen
                )
                with self._lock:
                    self._entries[key] = entry
                    self._entries.move_to_end(key)
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
                return entry
        finally:
            with self._lock:
                slot[1] -= 1
                if slot[1] == 0 and self._building.get(key) is slot:
                    del self._building[key]

    def _label(self, bound: inspect.BoundArguments) -> str:
        if self.fn.__name__ == "_memo":
            return f"memo {bound.arguments['key'][0]}"
        return self.__qualname__

    def clear(self) -> None:
        """Forget every result of this reader."""
        with self._lock:
            self._entries.clear()


def _valid(deps: Mapping[str, Any], now: Mapping[str, Any]) -> bool:
    return all(version is not _CONFLICT and _version(now, scope) == version for scope, version in deps.items())


def reader(
    reads: Sequence[str],
    *,
    shared: bool = False,
    max_entries: int = MAX_ENTRIES,
    patch: Callable[..., Any] | None = None,
) -> Callable[[Callable[..., Any]], Reader]:
    """Declare a cached reader over the function (see the module's docstring).

    ``reads``: the scopes the function reads itself. ``shared``: hand every caller the same
    object instead of a copy. ``patch(stale, stale_versions, now, *args)``: bring a result
    built from older data up to date cheaply, or None to build it afresh.
    """

    def declare(fn: Callable[..., Any]) -> Reader:
        return Reader(fn, reads, shared, max_entries, patch)

    return declare


_builds: list[tuple[str, float, str]] | None = None


@contextlib.contextmanager
def builds() -> Iterator[list[tuple[str, float, str]]]:
    """Within the block, list every result built: (reader, seconds, how: ``new``, ``rebuilt``
    from scratch after a change, or ``patched``); for the speed benchmark and the tests. A build
    that calls other readers is timed with theirs."""
    global _builds
    _builds, seen = [], _builds
    try:
        yield _builds
    finally:
        _builds = seen


def clear() -> None:
    """Forget every cached result of every reader (and Streamlit's cached data)."""
    for r in _READERS:
        r.clear()
    st.cache_data.clear()


# --- bringing a cycle's frames up to date after check-ins ---------------------------------
# A check-in changes the figures of its own key result, its objective and the units above it,
# nothing else. The frames of a whole cycle are therefore patched: the rows of the key results
# whose check-ins changed (listed by the database, okrdata.db.Watch.changed_key_results) are
# worked out again and put in place of the old ones, instead of working out thousands of rows.
# Anything else that moved (the plan of the cycle, the organisation, the day) builds afresh, and
# so does a change the frames' types could not take as they are.


def checkins_changed(stale: Mapping[str, Any], now: Mapping[str, Any], cycle_id: int) -> set[int] | None:
    """The key results of ``cycle_id`` whose check-ins are all that changed since a result was
    built at versions ``stale``; None when anything else changed too (or it is not known)."""
    scope = f"cycle:{int(cycle_id)}"
    if f"plan:{int(cycle_id)}" not in stale:
        return None
    for name, version in stale.items():
        if name != scope and _version(now, name) != version:
            return None
    since = stale.get(scope)
    return changed_key_results(int(cycle_id), 0 if since is None else since)


def _same_types(old: pd.Series, new: pd.Series, kept: pd.Series) -> bool:
    """Whether ``new`` values can go into ``old``'s column and leave it of the type a fresh build
    would give it (``kept``: the old values that stay)."""
    if old.dtype == new.dtype:
        return True
    if old.dtype == np.float64 and new.dtype == np.int64:
        return bool(kept.isna().any())  # whole numbers beside a missing one: floating point, fresh too
    # Nothing but missing values (SQL NULLs, of no type) beside numbers or text that stay: the
    # column keeps the type of what stays.
    return (
        (old.dtype == np.float64 or pd.api.types.is_string_dtype(old.dtype) and old.dtype != object)
        and new.dtype == object
        and bool(new.isna().all())
        and bool(kept.notna().any())
    )


def splice(old: pd.DataFrame, fresh: pd.DataFrame, key: str, gone: Collection[Any] = ()) -> pd.DataFrame | None:
    """``old`` with the rows whose ``key`` is in ``fresh`` replaced by those of ``fresh``; None
    when ``fresh`` holds a row ``old`` did not, one of ``gone`` (rows that should be in
    ``fresh``) is missing from it, or the types would change."""
    if list(fresh.columns) != list(old.columns) or old.empty:
        return None
    where = pd.Index(old[key]).get_indexer(fresh[key])
    if (where < 0).any() or len(set(where)) != len(where) or not set(gone) <= set(fresh[key]):
        return None
    return _put(old, fresh, where)


def replace_blocks(old: pd.DataFrame, fresh: pd.DataFrame, key: str, ids: Collection[Any]) -> pd.DataFrame | None:
    """``old`` with its rows whose ``key`` is one of ``ids`` (several rows each, a key result's
    weeks say) replaced, in order, by the rows of ``fresh``; None when they do not line up."""
    if list(fresh.columns) != list(old.columns) or old.empty:
        return None
    where = np.flatnonzero(old[key].isin(list(ids)).to_numpy())
    if len(where) != len(fresh) or not np.array_equal(old[key].to_numpy()[where], fresh[key].to_numpy()):
        return None
    return _put(old, fresh, where)


def replace_rows(old: pd.DataFrame, fresh: pd.DataFrame, positions: Sequence[int]) -> pd.DataFrame | None:
    """``old`` with its rows at ``positions`` replaced, in order, by the rows of ``fresh``; None
    when they do not line up or the types would change."""
    where = np.asarray(positions, dtype=np.int64)
    if list(fresh.columns) != list(old.columns) or len(where) != len(fresh) or old.empty:
        return None
    if len(where) and (where.min() < 0 or where.max() >= len(old) or len(set(where.tolist())) != len(where)):
        return None
    return _put(old, fresh, where)


def _put(old: pd.DataFrame, fresh: pd.DataFrame, where: np.ndarray) -> pd.DataFrame | None:
    """``old`` with rows ``where`` replaced by ``fresh``'s; columns whose values did not change are
    kept as they are, not copied. None when the types would change."""
    kept = np.ones(len(old), dtype=bool)
    kept[where] = False
    out = old.copy(deep=False)
    for column in old.columns:
        values, new = old[column], fresh[column].reset_index(drop=True)
        if values.iloc[where].reset_index(drop=True).equals(new):
            continue
        if not _same_types(values, new, values[kept]):
            return None
        column_values = values.copy()
        column_values.iloc[where] = (
            new.to_numpy(dtype=float, na_value=np.nan) if values.dtype == np.float64 else new.to_numpy()
        )
        if column_values.dtype != values.dtype:
            return None
        out[column] = column_values
    return out


def after_checkins(patch: Callable[..., Any]) -> Callable[..., Any]:
    """A reader's ``patch`` (:func:`reader`) made from ``patch(stale, changed, cycle_id, *args)``,
    which brings ``stale`` up to date after check-ins on the key results ``changed`` (ids) of
    its cycle. Whenever anything else changed too, or ``stale`` is an empty frame, the result
    is built afresh instead (the wrapper returns None without calling ``patch``)."""

    @functools.wraps(patch)
    def patched(stale: Any, versions_then: Mapping[str, Any], now: Mapping[str, Any], cycle_id: int, *args, **kwargs):
        changed = checkins_changed(versions_then, now, cycle_id)
        if changed is None or (isinstance(stale, pd.DataFrame) and stale.empty):
            return None
        return patch(stale, changed, cycle_id, *args, **kwargs)

    return patched


@after_checkins
def _patch_key_results(
    stale: pd.DataFrame, changed: set[int], cycle_id: int, unit_id: int | None = None
) -> pd.DataFrame | None:
    mine = stale[stale["kr_id"].isin(changed)]
    if mine.empty:
        return stale
    objectives_touched = sorted({int(i) for i in mine["objective_id"]})
    with opened() as db:
        fresh = q.key_results(db, int(cycle_id), unit_id, today(), objective_ids=objectives_touched)
    return splice(stale, fresh, "kr_id", gone=[int(i) for i in mine["kr_id"]])


@after_checkins
def _patch_objectives(
    stale: pd.DataFrame, changed: set[int], cycle_id: int, unit_id: int | None = None
) -> pd.DataFrame | None:
    krs = key_results(cycle_id, unit_id)
    touched = sorted({int(i) for i in krs.loc[krs["kr_id"].isin(changed), "objective_id"]})
    if not touched:
        return stale
    with opened() as db:
        fresh = q.objectives(
            db, int(cycle_id), unit_id, today(), krs=krs[krs["objective_id"].isin(touched)], objective_ids=touched
        )
    return splice(stale, fresh, "objective_id", gone=touched)


@after_checkins
def _patch_unit_progress(stale: pd.DataFrame, changed: set[int], cycle_id: int) -> pd.DataFrame | None:
    krs, objs = key_results(cycle_id), objectives(cycle_id)
    touched = set(krs.loc[krs["kr_id"].isin(changed), "objective_id"])
    parent = {int(u): (None if pd.isna(p) else int(p)) for u, p in zip(stale["unit_id"], stale["parent_id"])}
    above: set[int] = set()
    for unit in objs.loc[objs["objective_id"].isin(touched), "unit_id"]:
        u = int(unit)
        while u is not None and u not in above:
            above.add(u)
            u = parent.get(u)
    if not above:
        return stale
    with opened() as db:
        fresh = q.unit_progress(db, int(cycle_id), today(), objs=objs, unit_ids=above)
    return splice(stale, fresh, "unit_id", gone=above & set(parent))


@after_checkins
def _patch_checkin_history(
    stale: pd.DataFrame,
    changed: set[int],
    cycle_id: int,
    unit_id: int | None = None,
    kr_ids: Sequence[int] | None = None,
) -> pd.DataFrame | None:
    if kr_ids is not None:
        changed &= {int(i) for i in kr_ids}
    if not changed:
        return stale
    with opened() as db:
        fresh = q.checkin_history(db, int(cycle_id), unit_id, sorted(changed))
    if not fresh.empty and list(fresh.columns) != list(stale.columns):
        return None
    # The rows come by key result (then date, then id), so each changed key result's check-ins
    # are one block: cut out and put back in its place, the rest of the frame kept as it is.
    ids = stale["kr_id"].to_numpy()
    if len(ids) > 1 and not bool((ids[1:] >= ids[:-1]).all()):
        return None
    pieces, start = [], 0
    fresh_ids = fresh["kr_id"].to_numpy()
    for kr in sorted(changed):
        pieces.append(stale.iloc[start : int(np.searchsorted(ids, kr, "left"))])
        pieces.append(
            fresh.iloc[int(np.searchsorted(fresh_ids, kr, "left")) : int(np.searchsorted(fresh_ids, kr, "right"))]
        )
        start = int(np.searchsorted(ids, kr, "right"))
    pieces.append(stale.iloc[start:])
    pieces = [piece for piece in pieces if not piece.empty]
    if not pieces:
        return None
    if not fresh.empty:
        keep = functools.cache(lambda: stale[~stale["kr_id"].isin(changed)])
        if not all(
            stale[c].dtype == fresh[c].dtype or _same_types(stale[c], fresh[c], keep()[c]) for c in stale.columns
        ):
            return None
    both = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0].reset_index(drop=True)
    if any(both[c].dtype != stale[c].dtype for c in stale.columns):
        return None
    return both


# --- the readers ---------------------------------------------------------------------------


@reader(reads=("org",))
def is_demo() -> bool:
    """True while the database holds the demo organisation."""
    with opened() as db:
        return q.is_demo(db)


@reader(reads=("org",))
def cycles() -> pd.DataFrame:
    """All cycles, newest first (:func:`okrdata.queries.cycles`)."""
    with opened() as db:
        return q.cycles(db)


def cycle(cycle_id: int) -> dict | None:
    """One cycle's row as a dict, or None."""
    df = cycles()
    rows = df[df["id"] == cycle_id].to_dict("records") if not df.empty else []
    return rows[0] if rows else None


@reader(reads=("org", "today"))
def default_cycle_id() -> int | None:
    """The cycle shown when none is chosen (:func:`okrdata.queries.default_cycle_id`)."""
    with opened() as db:
        return q.default_cycle_id(db, today())


@reader(reads=("org",))
def units(include_archived: bool = False) -> pd.DataFrame:
    """The unit tree in outline order (:func:`okrdata.queries.units`): the units a picker offers,
    or with ``include_archived`` every unit, as a figure that rolls up the tree needs."""
    with opened() as db:
        return q.units(db, include_archived=include_archived)


@reader(reads=("org",))
def subtree_ids(unit_id: int) -> list[int]:
    """A unit and every unit below it."""
    with opened() as db:
        return q.subtree_ids(db, int(unit_id))


@reader(reads=("org",))
def people() -> pd.DataFrame:
    """Everyone (:func:`okrdata.queries.people`)."""
    with opened() as db:
        return q.people(db)


@reader(reads=("cycle", "plan", "today"), patch=_patch_key_results)
def key_results(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's key results with every figure (:func:`okrdata.queries.key_results`)."""
    with opened() as db:
        return q.key_results(db, int(cycle_id), unit_id, today())


@reader(reads=("plan",))
def key_result_labels(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's key results as entered, in the order of :func:`key_results`, without figures
    (:func:`okrdata.queries.key_result_labels`): for pickers and counts."""
    with opened() as db:
        return q.key_result_labels(db, int(cycle_id), unit_id)


@reader(reads=("plan",))
def objective_rows(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's objectives as entered, without figures (:func:`okrdata.queries.objective_rows`):
    for pickers and forms, which need no key result's check-ins."""
    with opened() as db:
        return q.objective_rows(db, int(cycle_id), unit_id)


@reader(reads=("cycle", "plan", "today"), patch=_patch_objectives)
def objectives(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's objectives with progress, status and score (:func:`okrdata.queries.objectives`)."""
    krs = key_results(cycle_id, unit_id)
    with opened() as db:
        return q.objectives(db, int(cycle_id), unit_id, today(), krs=krs)


@reader(reads=("cycle", "plan", "today"), patch=_patch_unit_progress)
def unit_progress(cycle_id: int) -> pd.DataFrame:
    """Every unit's roll-up for a cycle (:func:`okrdata.queries.unit_progress`)."""
    objs = objectives(cycle_id, None)
    with opened() as db:
        return q.unit_progress(db, int(cycle_id), today(), objs=objs)


@reader(reads=("cycle", "today"))
def cycle_summary(cycle_id: int, unit_id: int | None = None) -> dict:
    """The headline figures of a cycle for a unit's branch (:func:`okrdata.queries.cycle_summary`)."""
    krs = key_results(cycle_id, unit_id)
    objs = objectives(cycle_id, unit_id)
    with opened() as db:
        return q.cycle_summary(db, int(cycle_id), unit_id, today(), objs=objs, krs=krs)


@reader(reads=("cycle", "plan"), patch=_patch_checkin_history)
def checkin_history(cycle_id: int, unit_id: int | None = None, kr_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Check-ins of a cycle, oldest first (:func:`okrdata.queries.checkin_history`)."""
    ids = None if kr_ids is None else tuple(int(i) for i in kr_ids)
    with opened() as db:
        return q.checkin_history(db, int(cycle_id), unit_id, ids)


@reader(reads=("kpis", "today"))
def kpis(unit_id: int | None = None) -> pd.DataFrame:
    """KPIs of a unit's branch with their health (:func:`okrdata.queries.kpis`)."""
    with opened() as db:
        return q.kpis(db, unit_id, today())


@reader(reads=("kpis",))
def kpi_readings(kpi_ids: Sequence[int], since: dt.date | None = None) -> pd.DataFrame:
    """Readings of some KPIs, oldest first (:func:`okrdata.queries.kpi_readings`)."""
    with opened() as db:
        return q.kpi_readings(db, tuple(int(i) for i in kpi_ids), since)


@reader(reads=("plan",))
def quality_findings(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """The OKR coach's findings for a cycle and a unit's branch (:func:`okrdata.quality.findings_frame`).

    They judge the OKRs as entered, so a check-in leaves them as they are."""
    with opened() as db:
        return quality.findings_frame(db, int(cycle_id), unit_id)


@reader(reads=())
def unit_paths() -> dict[int, str]:
    """Every unit's label for a picker, in outline order: its path without the company's name
    ("Product & Engineering / Web App"), the company's own name for the company. Cached, so a
    picker of a thousand units costs nothing to prepare at a rerun."""
    tree = units()
    if tree.empty:
        return {}
    # Without the company's name ("Product & Engineering / Web App"); the company by its own name.
    return {
        int(i): str(p).split(" / ", 1)[-1] if int(d) else str(p)
        for i, p, d in zip(tree["id"], tree["path"], tree["depth"])
    }


@reader(reads=())
def scope_choices() -> dict:
    """What the sidebar pickers offer, prepared once per change of the organisation.

    Keys: ``cycle_rows`` (id → row, newest first), ``root_id`` and ``company_name`` (the unit at
    the top; None and "Company" before there is one), ``unit_names`` (id → name) and
    ``unit_paths`` (:func:`unit_paths`).
    """
    cycles_df = cycles()
    tree = units()
    roots = tree[tree["depth"] == 0] if not tree.empty else tree
    return {
        "cycle_rows": {int(r["id"]): r for r in cycles_df.to_dict("records")},
        "root_id": int(roots["id"].iloc[0]) if not roots.empty else None,
        "company_name": str(roots["name"].iloc[0]) if not roots.empty else "Company",
        "unit_names": {int(i): str(name) for i, name in zip(tree["id"], tree["name"])},
        "unit_paths": unit_paths(),
    }


@reader(reads=("org",))
def calibration(unit_id: int | None, limit: int = review.HISTORY_CYCLES) -> dict:
    """The calibration tables of :mod:`okrdata.review` over the last ``limit`` closed cycles, for
    a unit's branch. Closed cycles do not change, so a check-in in the running cycle leaves
    them as they are: they are worked out once per change of a closed cycle or of the organisation."""
    closed = cycles()
    depends(*(f"cycle:{int(i)}" for i, state in zip(closed["id"], closed["state"]) if state == "closed"))
    with opened() as db:
        history = review.load_history(db, unit_id, limit)
    per_cycle = review.by_unit_cycle(history)
    return {
        "cycles": history.cycles,
        "units": review.by_unit(history, per_cycle),
        "unit_cycles": per_cycle,
        "reliability": review.reliability(history),
        "brier": review.brier(history),
    }


# --- whatever a page derives from the readers ----------------------------------------------


def _memo(key: tuple, _build: Callable[[], Any]) -> Any:
    return _build()


# What a page derives comes as often from what it read before as from the readers its build
# calls: it depends on both.
_memo = Reader(_memo, ("today",), shared=False, max_entries=4 * MAX_ENTRIES, after_page=True)


def memo(build: Callable[[], Any], *key: Hashable) -> Any:
    """``build()``, worked out once, then taken from the cache until the data it was built from
    changes (or the day does).

    For what a page derives from the readers and draws again at every rerun, a chart spec above
    all (:func:`ui.charts.spec`). What it depends on is found out as it runs: what the page
    read before it (a build often works on frames the page holds already) and the readers it
    calls. ``key`` names the thing and everything it depends on besides the readers and the
    day (``"trends.heatmap", cycle_id, unit_id``): two builds under one key are taken to be the
    same. The result must pickle.
    """
    return _memo(tuple(key), build)
