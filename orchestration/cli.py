"""Command line: `python -m orchestration.cli run` runs the whole pipeline once.

It executes the Dagster refresh job in this process against the Dagster instance in
$DAGSTER_HOME (so the run shows up in `make ui`), then prints where the results are.
"""

from __future__ import annotations

import argparse
import sys

import duckdb
from dagster import DagsterInstance

from orchestration.config import settings


def run_pipeline() -> bool:
    from orchestration.definitions import defs  # slow import: only when running

    instance = DagsterInstance.get() if _has_dagster_home() else DagsterInstance.ephemeral()
    # Step-level detail goes to the Dagster UI (`make ui`); the terminal gets warnings and errors.
    run_config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    result = defs.resolve_job_def("pulse_refresh").execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config
    )
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            failed = evaluation.metadata.get("failed_errors") or evaluation.metadata.get(
                "failed_warnings"
            )
            print(
                f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}:"
                f" {evaluation.severity.value}"
                + (f" ({failed.value})" if failed is not None else "")
            )
    return result.success


def _has_dagster_home() -> bool:
    import os

    return bool(os.environ.get("DAGSTER_HOME"))


def summary() -> str:
    cfg = settings()
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        files = con.execute(
            "select status, count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined)"
            " from pulse_meta.load_ledger group by status order by status"
        ).fetchall()
        tables = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables()"
            " where schema_name not in ('raw', 'pulse_meta') order by schema_name, table_name"
        ).fetchall()
    finally:
        con.close()
    lines = [
        f"Warehouse:  {cfg.warehouse}",
        f"Landing:    {cfg.landing_dir}",
        f"As of date: {cfg.as_of_date}",
        "",
        "Files:",
    ]
    for status, n, read, loaded, quarantined in files:
        lines.append(
            f"  {status:9} {n:5} files  {read or 0:>10} rows read  {loaded or 0:>10} loaded"
            f"  {quarantined or 0:>7} quarantined"
        )
    lines += ["", "Tables (schema.table ~rows):"]
    lines += [f"  {s}.{t:45} {n:>10}" for s, t, n in tables]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulse")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="ingest new landing files, dbt build, publish")
    sub.add_parser("summary", help="print what the warehouse holds")
    args = parser.parse_args(argv)
    if args.command == "run":
        ok = run_pipeline()
        print(summary())
        if not ok:
            print("\nThe run FAILED: see the Dagster logs above (or `make ui`).", file=sys.stderr)
            return 1
        return 0
    print(summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
