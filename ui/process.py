"""What the server does once, before any session: load what the pages use and take it out of
the garbage collector's walks (:func:`settle`); and what runs beside the sessions while it
serves (:func:`lifespan`): the notification scheduler and the warmer.

Streamlit collects garbage after every script run (``runner.postScriptGC``, which the
dashboard's ``.streamlit/config.toml`` switches off, but a deployment may not use that file),
and Python's own collection walks the oldest objects now and then; either holds the
interpreter while it walks, and the script's last message waits behind it. With pandas, NumPy and Altair loaded that walk covers some 125,000 objects, a few
hundred milliseconds of every click on a busy machine where a bare Streamlit app walks a third
as many. :func:`settle` imports every module of ``ui`` (and so everything the pages import)
and freezes the objects alive then: modules, classes and functions, which live as long as the
process anyway. The collections after each run then walk only what runs create.

The test of it is ``tests/test_process.py``; ``bench/click_probe.py`` shows what it saves.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib
import importlib.util
import logging
import pkgutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import ui
from okrdata.errors import ValidationError
from okrdata.notify import schedule
from ui import navigation
from ui.data import path, warm

APP_FOLDER = Path(__file__).resolve().parent.parent

_settled = False


def settle() -> None:
    """Import the pages' modules and freeze what is alive; once per process (later calls do nothing)."""
    global _settled
    if _settled:
        return
    for module in pkgutil.iter_modules(ui.__path__, "ui."):
        importlib.import_module(module.name)
    for name in page_imports():
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    _settled = True


def page_imports() -> Iterator[str]:
    """The modules the pages import at their top (``import x``, ``from x import y`` when ``y``
    is a module too): a page's script runs only when someone opens it."""
    for page in navigation.PAGES:
        tree = ast.parse((APP_FOLDER / page.path).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                yield node.module
                for alias in node.names:
                    name = f"{node.module}.{alias.name}"
                    if _is_module(name):
                        yield name


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@contextlib.asynccontextmanager
async def lifespan(app: object = None) -> AsyncIterator[None]:
    """The server's lifespan (``st.App(..., lifespan=...)``): the notification scheduler when the
    deployment switches it on (:func:`okrdata.notify.schedule.lifespan`), and the warmer of the
    database's readers unless it switches that off (:mod:`ui.data.warm`)."""
    async with schedule.lifespan(app):
        try:
            warmer = warm.Warmer(path()).start() if warm.enabled() else None
        except ValidationError as exc:
            logging.getLogger("okr.warm").error("warming after a write stays off: %s", exc)
            warmer = None
        try:
            yield
        finally:
            if warmer is not None:
                warmer.stop()
