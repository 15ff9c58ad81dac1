"""The helpers every query module shares: a query's rows as a DataFrame (with its columns even
when there are none), and a stored date as a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlite_utils


def _frame(
    db: sqlite_utils.Database, sql: str, params: Sequence | dict = (), columns: list[str] | None = None
) -> pd.DataFrame:
    cursor = db.execute(sql, list(params) if not isinstance(params, dict) else params)
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        return pd.DataFrame(columns=columns or names)
    return pd.DataFrame.from_records(rows, columns=names)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
