"""Build the same landing folder on DuckDB and on local Spark and compare every mart.

    python -m tools.compare_targets --scale 0.02        (make compare-targets)

Steps: generate demo data (or take --landing), ingest it into a DuckDB warehouse, `dbt build`
on DuckDB, export the Parquet raw layer (orchestration/raw_export.py), `dbt build` on Spark
(PULSE_TARGET=spark) with the same as-of date, then read every Spark mart from the Parquet
files of the Spark warehouse into DuckDB and compare it with DuckDB's mart row for row on its
primary key (orchestration/compare.py: same keys, same values, floats within 1e-9 relative).
Prints one line per mart: rows on each side and rows differing; exits 1 unless every mart is
identical. Everything is written under --work (default warehouse/compare_targets/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.compare import TableComparison, compare_table, primary_keys
from orchestration.config import PROJECT_ROOT
from orchestration.ingest.loader import load_all
from orchestration.marts import spark_table_dir
from orchestration.raw_export import export_raw
from orchestration.resources import dbt_command
from orchestration.warehouse import connect_writer


@dataclass(frozen=True)
class TargetsComparison:
    marts: dict[str, TableComparison]
    seconds: dict[str, float]

    @property
    def differing(self) -> dict[str, TableComparison]:
        return {name: c for name, c in self.marts.items() if not c.identical}


def target_env(target: str, work: Path, warehouse: Path, as_of: str) -> dict[str, str]:
    """The environment of a dbt invocation on target, its files under work."""
    return {
        **os.environ,
        "PULSE_TARGET": target,
        "PULSE_WAREHOUSE": str(warehouse),
        "PULSE_AS_OF_DATE": as_of,
        "PULSE_RAW_PARQUET_DIR": str(work / "raw_parquet"),
        "PULSE_SPARK_WAREHOUSE": str(work / "spark"),
    }


def _dbt(
    target: str,
    work: Path,
    warehouse: Path,
    as_of: str,
    *args: str,
    folder: str,
    dbt_vars: dict | None = None,
) -> str:
    """One dbt invocation on target, its target/log folders work/dbt_{target,logs}_<folder>;
    returns dbt's stdout, raises with its tail (JSON log lines left out) when dbt fails."""
    cmd = dbt_command(
        *args,
        target_path=work / f"dbt_target_{folder}",
        log_path=work / f"dbt_logs_{folder}",
        as_of_date=as_of,
        extra_vars=dbt_vars,
    )
    env = target_env(target, work, warehouse, as_of)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT)
    if proc.returncode != 0:
        lines = [line for line in proc.stdout.splitlines() if not line.startswith('{"ts"')]
        tail = "\n".join(lines)[-6000:] + proc.stderr[-2000:]
        raise RuntimeError(f"dbt {args[0]} on {target} failed:\n{tail}")
    return proc.stdout


def dbt_show(
    target: str, work: Path, warehouse: Path, as_of: str, sql: str, dbt_vars: dict | None = None
) -> list[dict]:
    """The rows of `dbt show --inline sql` on target, after a build into work."""
    args = ("show", "--quiet", "--output", "json", "--inline", sql)
    out = _dbt(target, work, warehouse, as_of, *args, folder=f"show_{target}", dbt_vars=dbt_vars)
    return json.loads(out[out.index("{") :])["show"]


def dbt_build(
    target: str,
    work: Path,
    warehouse: Path,
    as_of: str,
    with_tests: bool = True,
    dbt_vars: dict | None = None,
) -> float:
    """`dbt build` on target with its own target/log folders under work; returns seconds.
    with_tests=False builds seeds and models only (no data or unit tests); dbt_vars are
    passed besides the as-of date (e.g. {"health_normalisation": "percentile"})."""
    only = [] if with_tests else ["--resource-type", "seed", "--resource-type", "model"]
    started = time.monotonic()
    _dbt(target, work, warehouse, as_of, "build", *only, folder=target, dbt_vars=dbt_vars)
    return time.monotonic() - started


def mart_names(manifest: dict) -> list[str]:
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and len(node["fqn"]) > 2 and node["fqn"][1] == "marts"
    )


def compare_marts(
    duckdb_warehouse: Path, spark_warehouse: Path, manifest: dict
) -> dict[str, TableComparison]:
    """Every mart of the DuckDB warehouse against its Spark table's Parquet files."""
    keys = primary_keys(manifest)
    con = duckdb.connect()
    try:
        # Spark writes timestamps as UTC instants: read them back in UTC, as DuckDB wrote them.
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{duckdb_warehouse}' as duck (read_only)")
        results = {}
        for table in mart_names(manifest):
            columns = con.execute(f"describe duck.main.{table}").fetchall()
            folder = spark_table_dir(spark_warehouse, table)
            # the DuckDB side's column types: a Spark partition column comes back from its
            # folder name, and Spark's timestamps as timestamptz
            select = ", ".join(
                f'cast("{name}" as {type_}) as "{name}"' for name, type_, *_ in columns
            )
            con.execute(
                f"create or replace view spark_{table} as select {select}"
                f" from read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
            )
            results[table] = compare_table(con, f"duck.main.{table}", f"spark_{table}", keys[table])
        return results
    finally:
        con.close()


def run(
    work: Path,
    landing: Path | None,
    scale: float,
    seed: int,
    as_of: str,
    with_tests: bool = True,
    dbt_vars: dict | None = None,
) -> TargetsComparison:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if landing is None:
        from tools.demo_data.generate import generate

        landing = work / "landing"
        generate(landing, scale=scale, seed=seed, end_date=dt.date.fromisoformat(as_of))
    warehouse = work / "duckdb" / "pulse.duckdb"
    seconds = {}
    started = time.monotonic()
    with connect_writer(warehouse) as con:
        load_all(con, landing, "compare-targets")
    seconds["ingest (DuckDB)"] = time.monotonic() - started
    seconds["dbt build DuckDB"] = dbt_build("duckdb", work, warehouse, as_of, with_tests, dbt_vars)
    started = time.monotonic()
    with connect_writer(warehouse) as con:
        export_raw(con, work / "raw_parquet")
    seconds["raw export to Parquet"] = time.monotonic() - started
    seconds["dbt build Spark"] = dbt_build("spark", work, warehouse, as_of, with_tests, dbt_vars)
    manifest = json.loads((work / "dbt_target_spark" / "manifest.json").read_text())
    marts = compare_marts(warehouse, work / "spark", manifest)
    return TargetsComparison(marts, seconds)


def report(result: TargetsComparison) -> str:
    lines = [f"{'mart':42} {'rows duckdb':>12} {'rows spark':>11} {'rows differing':>15}"]
    for name, c in result.marts.items():
        lines.append(f"{name:42} {c.left_rows:>12,} {c.right_rows:>11,} {c.differing_rows:>15,}")
    lines.append("")
    lines += [f"{step:24} {secs:7.1f} s" for step, secs in result.seconds.items()]
    lines.append("")
    bad = result.differing
    lines.append(
        f"{len(result.marts)} marts: identical on both targets"
        if not bad
        else f"{len(bad)} of {len(result.marts)} marts differ: {', '.join(bad)}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="compare_targets", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.02, help="demo data scale factor")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default="2026-06-30", help="as-of date (and demo end date)")
    parser.add_argument("--landing", type=Path, help="a landing folder instead of demo data")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "warehouse" / "compare_targets")
    parser.add_argument(
        "--no-tests", action="store_true", help="build seeds and models only, no dbt tests"
    )
    parser.add_argument(
        "--vars",
        type=json.loads,
        default=None,
        help="""extra dbt vars for both builds, JSON: '{"health_normalisation": "percentile"}'""",
    )
    args = parser.parse_args(argv)
    result = run(
        args.work.resolve(),
        args.landing,
        args.scale,
        args.seed,
        args.as_of,
        not args.no_tests,
        args.vars,
    )
    print(report(result))
    return 0 if not result.differing else 1


if __name__ == "__main__":
    sys.exit(main())
