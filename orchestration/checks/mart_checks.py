"""Checks on the marts, after dbt and before publishing: a failure blocks the publish.

Every suite file expectations/marts/<family>/<mart>.json guards the mart of that name. The
marts whose rows grow with customers, invoices or days (meta.evaluate: sql) are checked as
one SQL aggregate in DuckDB; the small trend and report marts with GX on a pandas frame, so
their results also appear in the GX Data Docs.
A suite's `meta.where` (optional SQL) narrows the rows validated, e.g. the latest day of a
large daily fact; the table profile (row count vs the last good run) always covers the whole
table.
"""

import json
from pathlib import Path

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetKey, asset_check

from orchestration.checks.table_quality import check_table
from orchestration.marts import mart_sql
from orchestration.quality.gx_runner import EXPECTATIONS_DIR
from orchestration.resources import PulseSettings

MART_SUITES = sorted((EXPECTATIONS_DIR / "marts").glob("*/*.json"))


def build_mart_check(suite: Path):
    mart = suite.stem
    meta = json.loads(suite.read_text()).get("meta", {})
    where = f" where {meta['where']}" if meta.get("where") else ""

    @asset_check(
        asset=AssetKey([mart]),
        name="gx_mart_quality",
        blocking=True,
        description=f"{suite.relative_to(EXPECTATIONS_DIR.parent)} and the table profile.",
    )
    def _check(context: AssetCheckExecutionContext, pulse: PulseSettings) -> AssetCheckResult:
        cfg = pulse.get()
        source = mart_sql(cfg, mart)  # main.<mart>, or the Spark target's Parquet files
        # a suite's where may name its own mart (e.g. its latest day)
        rows_where = where.replace(f"main.{mart}", source) if cfg.target == "spark" else where
        return check_table(
            cfg,
            context.run.run_id,
            f"main.{mart}",
            suite,
            f"select * from {source}{rows_where}",
            relation=source,
        )

    return _check


mart_checks = [build_mart_check(s) for s in MART_SUITES]
