"""Deployment settings for okrdata: ``.streamlit/secrets.toml`` read with tomllib, and the environment.

The pages read the secrets file through ``st.secrets``; okrdata never imports Streamlit, so the
``okr`` command, the scheduler and the notifications read the same files here, in the order
Streamlit does: ``~/.streamlit/secrets.toml``, then ``.streamlit/secrets.toml`` in the folder
the process starts from, the later winning key by key. ``$OKR_SECRETS`` names one file to read
instead (a cron job or a service started from another folder). An environment variable beats
the file for every setting (:func:`setting`).

A file that is missing is no settings at all; a file that is not valid TOML is an error naming
the file, never a silent default for a mail password.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from okrdata.errors import ValidationError

SECRETS_ENV = "OKR_SECRETS"
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")


def secrets_files() -> list[Path]:
    """The secrets files read, lowest priority first (existing or not)."""
    chosen = os.environ.get(SECRETS_ENV)
    if chosen:
        return [Path(chosen)]
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]


def _merge(into: dict, other: Mapping) -> dict:
    for key, value in other.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value
    return into


def secrets() -> dict[str, Any]:
    """Every secrets file merged into one dict (empty when there is none)."""
    merged: dict[str, Any] = {}
    for path in secrets_files():
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ValidationError("secrets", f"cannot read {path}: {exc.strerror or exc}.") from None
        try:
            _merge(merged, tomllib.loads(text))
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError("secrets", f"{path} is not valid TOML: {exc}.") from None
    return merged


def section(*names: str) -> dict[str, Any]:
    """A table of the secrets, ``section("okr", "smtp")`` for ``[okr.smtp]``; empty when absent."""
    node: Any = secrets()
    for name in names:
        node = node.get(name) if isinstance(node, Mapping) else None
    return dict(node) if isinstance(node, Mapping) else {}


def setting(env: str, table: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """``$env`` when set and not empty, else ``table[key]``, else ``default``."""
    raw = os.environ.get(env)
    if raw not in (None, ""):
        return raw
    value = table.get(key)
    return default if value is None or value == "" else value


def flag(name: str, value: Any) -> bool:
    """A yes/no setting from TOML (``true``) or the environment (``1``, ``yes``, ``off``...)."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValidationError(name, f"must be true or false, not {value!r}.")
