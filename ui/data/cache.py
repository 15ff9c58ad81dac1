"""The cached-reader mechanism: the one way what the pages read is cached.

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
runs. Arguments whose name starts with ``_`` are not part of the key. What a page derives for
display from the readers (a chart spec, a display table) is a reader too, with the arguments it
depends on (``cycle_id``, ``unit_id``), built from other readers, never from what the page holds:
so :mod:`ui.data.warm` can build it again after a write, from its arguments alone.

Results are copies (each caller gets its own), unless the reader is ``shared``: then every
session gets the same object, which must be read and never changed. A reader's ``patch``
brings a result built from older data up to date (:mod:`ui.data.patches`). :func:`clear`
forgets everything (the tests and the benchmark start cold with it).
"""

from __future__ import annotations

import contextlib
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
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from okrdata.db import Watch, file_stamp
from ui.data.database import MAX_ENTRIES, _building, path, today

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
    __slots__ = ("args", "deps", "used", "value")

    def __init__(self, value: Any, deps: dict[str, Any], args: tuple[tuple, dict]):
        self.value = value
        self.deps = deps
        self.args = args
        """The arguments it was built for, so that :meth:`Reader.warm` can build it again."""
        self.used = time.monotonic()
        """When a caller was last handed it."""


_READERS: list[Reader] = []

_asked = 0.0
"""When a page last asked a reader for something (:func:`time.monotonic`)."""


def last_asked() -> float:
    """When a caller (a page, not a reader's own build) last asked any reader for a result, as a
    :func:`time.monotonic` time: :mod:`ui.data.warm` lets a page that is reading go first."""
    return _asked


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
    ):
        unknown = set(reads) - {"org", "kpis", "cycle", "plan", "cycles", "all", "today"}
        if unknown:
            raise ValueError(f"{fn.__qualname__} reads {sorted(unknown)}: not a scope")
        self.fn = fn
        self.reads = tuple(reads)
        self.shared = shared
        self.max_entries = max_entries
        self.patch = patch
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
        global _asked
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        db_file = path()
        if _building.get() is None:
            _asked = time.monotonic()
        key = (db_file, tuple(_hashable(v) for k, v in bound.arguments.items() if not k.startswith("_")))
        now = versions(db_file)
        entry = self._get(key)
        if entry is None or not _valid(entry.deps, now):
            entry = self._build(key, bound, db_file, entry)
        outer = _building.get()
        if outer is not None:
            for scope, version in entry.deps.items():
                outer.add(scope, version)
        return entry.value if self.shared else pickle.loads(entry.value)

    def _get(self, key: tuple, use: bool = True) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and use:
                self._entries.move_to_end(key)
                entry.used = time.monotonic()
            return entry

    @property
    def warmable(self) -> bool:
        """Whether :meth:`warm` can build its results again from their arguments alone: not when
        it takes arguments left out of its key (``_build``, a closure over what one page run
        held), which only that page can give again."""
        return not any(name.startswith("_") for name in self.signature.parameters)

    def owed(self, db_file: str, used_since: float) -> list[tuple[float, tuple, _Entry]]:
        """The results of ``db_file`` that a caller was handed at or after ``used_since`` (a
        :func:`time.monotonic` time) and that the data has moved under, as (last handed out, key,
        result); for :mod:`ui.data.warm`, which builds them again (:meth:`warm`) after a write."""
        if not self.warmable:
            return []
        now = versions(db_file)
        with self._lock:
            return [
                (entry.used, key, entry)
                for key, entry in self._entries.items()
                if key[0] == db_file and entry.used >= used_since and not _valid(entry.deps, now)
            ]

    def warm(self, key: tuple, stale: _Entry) -> bool:
        """Bring the result ``key`` (one of :meth:`owed`) up to date now, as the next caller would,
        without counting it as handed out; False when it was up to date already. A caller asking
        for it meanwhile waits for this build."""
        if _valid(stale.deps, versions(key[0])):
            return False
        args, kwargs = stale.args
        return self._build(key, self.signature.bind(*args, **kwargs), key[0], stale, use=False) is not stale

    def _build(
        self, key: tuple, bound: inspect.BoundArguments, db_file: str, stale: _Entry | None, use: bool = True
    ) -> _Entry:
        # One build per key at a time: sessions asking for the same thing meanwhile wait for it.
        with self._lock:
            slot = self._building.setdefault(key, [threading.RLock(), 0])
            slot[1] += 1
        try:
            with slot[0]:
                now = versions(db_file)
                entry = self._get(key, use)
                if entry is not None and _valid(entry.deps, now):
                    return entry
                deps = _Deps(declared=any(what != "today" for what in self.reads))
                for scope in self._scopes(bound.arguments):
                    deps.add(scope, _version(now, scope))
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
                        _builds.append((self.__qualname__, time.perf_counter() - started, how))
                entry = _Entry(
                    value if self.shared else pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL),
                    deps.seen,
                    (bound.args, bound.kwargs),
                )
                if not use and stale is not None:
                    entry.used = stale.used
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


def all_readers() -> list[Reader]:
    """Every reader declared so far, in the order of declaration (a reader is declared after
    those it calls, module by module)."""
    return list(_READERS)


def clear() -> None:
    """Forget every cached result of every reader (and Streamlit's cached data)."""
    for r in _READERS:
        r.clear()
    st.cache_data.clear()
