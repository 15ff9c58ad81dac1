"""What the server does once, before any session: load what the pages use and take it out of
the garbage collector's walks.

Streamlit collects garbage after every script run (``runner.postScriptGC``), holding the
interpreter while it walks every object in the process; the script's last message waits
behind it. With pandas, NumPy and Altair loaded that walk covers some 125,000 objects, a few
hundred milliseconds of every click on a busy machine where a bare Streamlit app walks a third
as many. :func:`settle` imports every module of ``ui`` (and so everything the pages import)
and freezes the objects alive then: modules, classes and functions, which live as long as the
process anyway. The collections after each run then walk only what runs create.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil

import ui

_settled = False


def settle() -> None:
    """Import the pages' modules and freeze what is alive; once per process (later calls do nothing)."""
    global _settled
    if _settled:
        return
    for module in pkgutil.iter_modules(ui.__path__, "ui."):
        importlib.import_module(module.name)
    gc.collect()
    gc.freeze()
    _settled = True
