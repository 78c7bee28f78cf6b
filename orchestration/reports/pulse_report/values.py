"""A mart's cell (pandas / numpy scalar) as a plain Python value: the report reads, never
computes, so these only convert (NaN / NA / NaT -> None)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd


def py(v: object) -> object:
    """A pandas/numpy scalar as a plain Python value; NaN / NA / NaT -> None."""
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item"):
        return v.item()
    return v


def num(v: object) -> float | None:
    v = py(v)
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, int | float):
        return float(v) if math.isfinite(float(v)) else None
    return None


def date(v: object) -> dt.date | None:
    v = py(v)
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


def has(df: pd.DataFrame | None) -> bool:
    return df is not None and len(df) > 0
