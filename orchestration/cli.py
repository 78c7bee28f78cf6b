"""Command line: `python -m orchestration.cli run` runs the whole pipeline once.

It executes the Dagster refresh job in this process against the Dagster instance in
$DAGSTER_HOME (so the run shows up in `make ui`), then prints where the results are.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
from dagster import DagsterInstance

from orchestration.config import settings
from orchestration.publish import current_dir
from orchestration.quality.gx_runner import data_docs_dir
from orchestration.warehouse import connect_reader, lock_holder


def run_pipeline() -> bool:
    from orchestration.definitions import defs  # slow import: only when running

    instance = DagsterInstance.get() if _has_dagster_home() else DagsterInstance.ephemeral()
    # Step-level detail goes to the Dagster UI (`make ui`); the terminal gets warnings and errors.
    run_config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    result = defs.resolve_job_def("pulse_refresh").execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config
    )
    for line in ignored_lines(result) + failure_lines(result) + check_lines(result):
        print(line)
    return result.success


def ignored_lines(result) -> list[str]:
    """What the landing folder holds that Pulse did not load, from the preflight's metadata."""
    materializations = result.asset_materializations_for_node("landing")
    if not materializations:
        return []
    metadata = materializations[-1].metadata
    entries = metadata["ignored_entries"].value if "ignored_entries" in metadata else []
    landing = metadata["landing_dir"].value if "landing_dir" in metadata else ""
    return [f"ignored {e['path']} in {landing}: {e['reason']}" for e in entries]


def failure_lines(result) -> list[str]:
    """Why each failed step failed, in one line (the traceback is in the Dagster UI)."""
    lines = []
    for event in result.get_step_failure_events():
        error = event.event_specific_data.error
        # a user error is wrapped in Dagster's step-execution error: report the user's
        while error is not None and error.cause is not None:
            error = error.cause
        lines.append(f"step {event.step_key} failed: {_error_line(error)}")
    return lines


def _error_line(error) -> str:
    """'<Class>: <first line>' of a serialized error; a dagster Failure by its description."""
    if error is None or not error.message.strip():
        return "see the Dagster UI"
    first = error.message.strip().splitlines()[0]
    qualified, sep, text = first.partition(": ")
    if sep and qualified.endswith(error.cls_name):
        return text if error.cls_name == "Failure" else f"{error.cls_name}: {text}"
    return first


def check_lines(result) -> list[str]:
    lines = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            failed = evaluation.metadata.get("failed_errors") or evaluation.metadata.get(
                "failed_warnings"
            )
            lines.append(
                f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}:"
                f" {evaluation.severity.value}"
                + (f" ({failed.value})" if failed is not None else "")
            )
    return lines


def _has_dagster_home() -> bool:
    import os

    return bool(os.environ.get("DAGSTER_HOME"))


def _fetch(con, sql: str):
    try:
        return con.execute(sql).fetchall()
    except duckdb.Error:  # a mart this run did not build (yet)
        return []


def summary() -> str:
    cfg = settings()
    lines = [f"Pulse, as of {cfg.as_of_date}", ""]
    lines += _ledger_summary(cfg.warehouse)
    serving = current_dir(cfg.serving_dir) / "pulse.duckdb"
    lines += _serving_summary(serving)
    outputs = [
        ("Serving copy (BI, read-only)", serving),
        ("Marts as Parquet", serving.parent / "parquet"),
        ("Pulse report", cfg.reports_dir / "pulse_report.html"),
        (
            "Finance workbook",
            next(
                iter(
                    sorted(
                        (cfg.reports_dir / "finance" / cfg.as_of_date.isoformat()).glob("*.xlsx")
                    )
                ),
                None,
            ),
        ),
        ("GX Data Docs", data_docs_dir() / "index.html"),
        ("Working warehouse", cfg.warehouse),
    ]
    present = [(label, path) for label, path in outputs if path and Path(path).exists()]
    if present:
        lines += ["", "Where things are:"]
        lines += [f"  {label:30} {path}" for label, path in present]
    return "\n".join(lines)


def _open_reader(path: Path, what: str) -> tuple[duckdb.DuckDBPyConnection | None, str]:
    """A read-only connection, or None and a line saying why there is none (never raises:
    the summary is what people run when something looks wrong)."""
    if not path.exists():
        return None, (
            f"No {what} yet at {path}: run the pipeline (`make run`, or"
            " `python -m orchestration.cli run`) to build it."
        )
    try:
        return connect_reader(path), ""
    except duckdb.Error as exc:
        holder = lock_holder(exc)
        if holder is not None:
            return None, f"The {what} {path} is busy: held open by {holder}; try again later."
        first = str(exc).strip().splitlines()
        return None, f"The {what} {path} cannot be opened: {first[0] if first else exc}"


def _ledger_summary(warehouse: Path) -> list[str]:
    con, why = _open_reader(warehouse, "warehouse")
    if con is None:
        return [why]
    try:
        statuses = _fetch(
            con, "select status, count(*) from pulse_meta.load_ledger group by 1 order by 1"
        )
        rows = _fetch(
            con,
            "select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),"
            " coalesce(sum(rows_quarantined), 0) from pulse_meta.load_ledger",
        )
    finally:
        con.close()
    if not statuses:
        return ["Landing files: none loaded yet."]
    counts = dict(statuses)
    # loaded and rejected first (always shown), then any other status (ignored, ...)
    order = ["loaded", "rejected", *sorted(set(counts) - {"loaded", "rejected"})]
    read, ok, quarantined = rows[0]
    return [
        "Landing files: "
        + ", ".join(f"{counts.get(status, 0)} {status}" for status in order)
        + f"; rows: {read:,} read = {ok:,} loaded + {quarantined:,} quarantined"
        " (see rpt_quarantine, rpt_load_files)"
    ]


def _serving_summary(serving: Path) -> list[str]:
    con, why = _open_reader(serving, "serving copy")
    if con is None:
        return ["", why]
    try:
        lines = []
        nps = _fetch(
            con,
            "select month, 100.0 * sum(promoters - detractors) / nullif(sum(responses), 0),"
            " sum(responses) from fct_nps_monthly where is_complete_month"
            " group by month order by month desc limit 1",
        )
        churn = _fetch(
            con,
            "select month, 100.0 * sum(churned_customers) / nullif(sum(customers_at_start), 0)"
            " from fct_churn_monthly group by month order by month desc limit 1",
        )
        if nps and nps[0][1] is not None:
            lines.append(f"NPS {nps[0][0]:%Y-%m}: {nps[0][1]:.1f} ({nps[0][2]} responses)")
        if churn and churn[0][1] is not None:
            lines.append(f"Logo churn {churn[0][0]:%Y-%m}: {churn[0][1]:.2f} %")
        health = _fetch(
            con,
            "select health_category, count(*), coalesce(sum(mrr_at_risk), 0)"
            " from dim_customer_health group by 1 order by 1",
        )
        if health:
            parts = ", ".join(f"{cat} {n}" for cat, n, _ in health)
            at_risk = sum(float(m) for _, _, m in health)
            lines.append(f"Health today: {parts}; MRR at risk {at_risk:,.0f}")
        attention = _fetch(con, "select count(*) from rpt_customers_needing_attention")
        if attention:
            lines.append(
                f"Customers to call today: {attention[0][0]} (rpt_customers_needing_attention)"
            )
        tables = _fetch(
            con,
            "select table_name, estimated_size from duckdb_tables() order by table_name",
        )
        if tables:
            lines += ["", f"Marts ({len(tables)} tables, rows):"]
            lines += [f"  {name:45} {rows:>10,}" for name, rows in tables]
        return ["", *lines] if lines else []
    finally:
        con.close()


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
