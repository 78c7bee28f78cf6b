"""Pulse's settings, read from the environment once, with paths made absolute.

PULSE_LANDING_DIR  landing folder (default: the demo data folder, data/landing)
PULSE_WAREHOUSE    the working DuckDB file (default: warehouse/pulse.duckdb)
PULSE_AS_OF_DATE   the date that counts as today, YYYY-MM-DD (default: today, UTC)
PULSE_SERVING_DIR  where the published serving copy goes (default: warehouse/serving)
PULSE_REPORTS_DIR  report files for people, e.g. finance/<as_of_date>/ (default: reports)
PULSE_MAX_ROW_DROP_PCT   a table shrinking by more than this since the last good run fails
                         its quality check (default 50)
PULSE_TARGET       the dbt target: duckdb (default) or spark
PULSE_RAW_PARQUET_DIR    (spark) the Parquet raw layer Spark reads its sources from (default:
                         <warehouse>_raw_parquet/ beside the warehouse file)
PULSE_RAW_PARQUET_LOCATION  (spark) the same folder as the engine sees it, if elsewhere (a
                         cluster reading s3://...; read by macros/spark/raw_sources.sql)
PULSE_SPARK_WAREHOUSE    (spark) Spark's warehouse: the models' Parquet tables and the
                         metastore (default: <warehouse>_spark/ beside the warehouse file)
PULSE_FRESHNESS_DAYS     newest event older than this many days before the as-of date is
                         reported (a warning, default 3)
PULSE_DUCKDB_MEMORY_LIMIT  memory DuckDB may use per connection before it spills to disk
                         (default 2GB; profiles.yml reads the same variable for dbt)

Relative paths are taken relative to the repository root, never to the current directory,
so every entry point (make, dagster, pytest, a notebook) sees the same files.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(var: str, default: str) -> Path:
    p = Path(os.environ.get(var) or default).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p).resolve()


def _as_of_date() -> dt.date:
    raw = os.environ.get("PULSE_AS_OF_DATE")
    if not raw:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"PULSE_AS_OF_DATE must be YYYY-MM-DD, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    serving_dir: Path
    as_of_date: dt.date
    max_row_drop_pct: float = 50.0
    freshness_days: int = 3
    reports_dir: Path = PROJECT_ROOT / "reports"
    target: str = "duckdb"

    @property
    def raw_parquet_dir(self) -> Path:
        return _path(
            "PULSE_RAW_PARQUET_DIR",
            str(self.warehouse.with_name(self.warehouse.stem + "_raw_parquet")),
        )

    @property
    def spark_warehouse(self) -> Path:
        return _path(
            "PULSE_SPARK_WAREHOUSE", str(self.warehouse.with_name(self.warehouse.stem + "_spark"))
        )

    @property
    def dbt_vars(self) -> dict[str, str]:
        return {"as_of_date": self.as_of_date.isoformat()}

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt subprocess: the target and absolute paths for profiles.yml."""
        return {
            **os.environ,
            "PULSE_TARGET": self.target,
            "PULSE_WAREHOUSE": str(self.warehouse),
            "PULSE_AS_OF_DATE": self.as_of_date.isoformat(),
            "PULSE_RAW_PARQUET_DIR": str(self.raw_parquet_dir),
            "PULSE_SPARK_WAREHOUSE": str(self.spark_warehouse),
        }


def duckdb_memory_limit() -> str:
    """DuckDB's memory_limit for Pulse's own connections (the same default as profiles.yml)."""
    return os.environ.get("PULSE_DUCKDB_MEMORY_LIMIT") or "2GB"


def settings() -> Settings:
    return Settings(
        landing_dir=_path("PULSE_LANDING_DIR", "data/landing"),
        warehouse=_path("PULSE_WAREHOUSE", "warehouse/pulse.duckdb"),
        serving_dir=_path("PULSE_SERVING_DIR", "warehouse/serving"),
        as_of_date=_as_of_date(),
        max_row_drop_pct=float(os.environ.get("PULSE_MAX_ROW_DROP_PCT") or 50),
        freshness_days=int(os.environ.get("PULSE_FRESHNESS_DAYS") or 3),
        reports_dir=_path("PULSE_REPORTS_DIR", "reports"),
        target=_target(),
    )


TARGETS = ("duckdb", "spark")


def _target() -> str:
    target = (os.environ.get("PULSE_TARGET") or "duckdb").strip().lower()
    if target not in TARGETS:
        raise ValueError(f"PULSE_TARGET must be one of {', '.join(TARGETS)}, got {target!r}")
    return target
