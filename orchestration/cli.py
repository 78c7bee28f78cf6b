"""The `pulse` command (console script; also `python -m orchestration.cli`).

    pulse run [--as-of DATE] [--landing DIR] [--plain]
                                               the whole pipeline once, then `pulse status`
    pulse status                               what the last run did and where the outputs are
    pulse ui [--port N]                        the Dagster UI (dagster dev) on 127.0.0.1
    pulse docs [--port N] [--no-serve]         dbt's documentation site, served on 127.0.0.1
    pulse fit-weights [fit_weights options]    propose health-score weights (health/fit_weights)

`run` executes the Dagster refresh job in this process against the Dagster instance in
$DAGSTER_HOME (so the run shows up in `pulse ui`), then prints where the results are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
from dagster import DagsterInstance

from orchestration.config import PROJECT_ROOT, Settings, settings
from orchestration.progress import PLAIN_ENV, run_output_to
from orchestration.publish import current_dir
from orchestration.quality.gx_runner import data_docs_dir
from orchestration.resources import PulseSettings, run_config_for
from orchestration.warehouse import connect_reader, lock_holder


def run_pipeline(as_of: str | None = None, landing: str | None = None) -> bool:
    """The refresh job once, in this process; `as_of` and `landing` (None: the environment)
    go in as run config, as the launchpad would set them. The dbt manifest is parsed first
    when stale: loading the definitions only reads it."""
    from orchestration.manifest import prepare_manifest

    prepare_manifest()
    from orchestration.definitions import defs  # slow import: only when running

    instance = DagsterInstance.get() if _has_dagster_home() else DagsterInstance.ephemeral()
    # Step-level detail goes to the Dagster UI (`make ui`); the terminal gets warnings and errors.
    run_config = {
        "loggers": {"console": {"config": {"log_level": "WARNING"}}, "pulse_progress": {}},
        **run_config_for(as_of_date=as_of, landing_dir=landing),
    }
    output = run_output_file()
    print(f"the steps' own output (dbt's log lines): {output}", flush=True)
    with run_output_to(output):
        result = defs.resolve_job_def(REFRESH_JOB).execute_in_process(
            instance=instance, raise_on_error=False, run_config=run_config
        )
    for line in ignored_lines(result) + failure_lines(result) + check_lines(result):
        print(line)
    return result.success


def run_output_file() -> Path:
    """A new file per run for what the steps print, in a logs/ folder beside the warehouse."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return settings().warehouse.parent / "logs" / f"pulse_run_{stamp}.log"


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
    lines, freshness = [], []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.check_name == SOURCE_FRESHNESS_CHECK:
            freshness.append(evaluation)
        elif not evaluation.passed:
            failed = evaluation.metadata.get("failed_errors") or evaluation.metadata.get(
                "failed_warnings"
            )
            lines.append(
                f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}:"
                f" {evaluation.severity.value}"
                + (f" ({failed.value})" if failed is not None else "")
            )
    return lines + source_freshness_lines(freshness, indent="")


def _has_dagster_home() -> bool:
    return bool(os.environ.get("DAGSTER_HOME"))


def _fetch(con, sql: str):
    try:
        return con.execute(sql).fetchall()
    except duckdb.Error:  # a mart this run did not build (yet)
        return []


def summary(cfg: Settings | None = None) -> str:
    cfg = cfg or settings()
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
            f"No {what} yet at {path}: run the pipeline (`pulse run`, or `make run`) to build it."
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


def _last_run_lines() -> list[str]:
    """The refresh job's last run in the Dagster instance ($DAGSTER_HOME): id, status, times,
    failed steps and failed checks. Never raises: status is what people run when in doubt."""
    home = os.environ.get("DAGSTER_HOME")
    if not home or not Path(home).is_dir():
        return ["Last run: no Dagster run history (DAGSTER_HOME unset or missing)."]
    try:
        from dagster import DagsterEventType, RunsFilter

        instance = DagsterInstance.get()
        records = instance.get_run_records(RunsFilter(job_name=REFRESH_JOB), limit=1)
        if not records:
            return ["Last run: none yet in the Dagster instance at " + home + "."]
        record = records[0]
        run = record.dagster_run
        started = _timestamp(record.start_time)
        ended = _timestamp(record.end_time)
        pulse_config = (run.run_config or {}).get("resources", {}).get("pulse", {})
        as_of = (pulse_config.get("config") or {}).get("as_of_date")
        lines = [
            f"Last run: {run.run_id[:8]} {run.status.value.lower()}"
            + (f", as of {as_of} (run config)" if as_of else "")
            + (f", started {started}" if started else "")
            + (f", ended {ended}" if ended else "")
        ]
        events = instance.get_records_for_run(
            run.run_id,
            of_type={DagsterEventType.STEP_FAILURE, DagsterEventType.ASSET_CHECK_EVALUATION},
            limit=10_000,
        ).records
    except Exception as exc:  # a broken or foreign instance must not hide the rest
        return [f"Last run: cannot read the Dagster instance at {home}: {exc}"]
    freshness = []
    for record in events:
        event = record.event_log_entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause
            lines.append(f"  step {event.step_key} failed: {_error_line(error)}")
        else:
            evaluation = event.asset_check_evaluation_data
            if evaluation.check_name == SOURCE_FRESHNESS_CHECK:
                freshness.append(evaluation)
            elif not evaluation.passed:
                lines.append(
                    f"  check {evaluation.check_name} on"
                    f" {evaluation.asset_key.to_user_string()} failed"
                    f" ({evaluation.severity.value})"
                )
    return lines + source_freshness_lines(freshness)


def source_freshness_lines(evaluations, indent: str = "  ") -> list[str]:
    """The run's `dbt source freshness` in a line, then one line per stale raw table with its
    age and dbt's verdict (the check warns: a stale source never fails the run)."""
    if not evaluations:
        return []
    stale = sorted(
        (e for e in evaluations if not e.passed), key=lambda e: e.asset_key.to_user_string()
    )
    lines = [
        f"{indent}dbt source freshness: {len(evaluations) - len(stale)} of {len(evaluations)}"
        " raw tables fresh" + (f", {len(stale)} stale (warning only)" if stale else "")
    ]
    for evaluation in stale:
        detail = evaluation.metadata.get("failed_warnings")
        lines.append(
            f"{indent}  {evaluation.asset_key.to_user_string()}: "
            + (str(detail.value) if detail is not None else "stale")
        )
    return lines


def _timestamp(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _published_lines() -> list[str]:
    """Which run the serving copy (what BI reads) comes from, and its as-of date."""
    serving = current_dir(settings().serving_dir) / "pulse.duckdb"
    if not serving.exists():
        return []
    con, why = _open_reader(serving, "serving copy")
    if con is None:
        return [why]
    try:
        rows = _fetch(con, "select run_id, as_of_date, published_at from pulse_run")
    finally:
        con.close()
    if not rows:
        return []
    run_id, as_of, published = rows[0]
    return [f"Published: run {str(run_id)[:8]}, as of {as_of}, at {published:%Y-%m-%d %H:%M} UTC"]


def status() -> str:
    return "\n".join([*_last_run_lines(), *_published_lines(), "", summary()])


REFRESH_JOB = "pulse_refresh"
# orchestration/checks/source_freshness.py's check (its module imports the dbt manifest: slow)
SOURCE_FRESHNESS_CHECK = "dbt_source_freshness"


def _bin(name: str) -> str:
    """A tool installed beside this Python (the venv's dagster, dbt), else from PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def _exec(cmd: list[str], env: dict[str, str] | None = None) -> int:
    """Run a long-lived tool (a server) in the foreground; Ctrl-C stops it."""
    try:
        return subprocess.run(cmd, env=env, check=False).returncode
    except KeyboardInterrupt:
        return 0


def ensure_dagster_home() -> Path:
    """$DAGSTER_HOME, defaulting to .dagster_home/ in the project, with Pulse's dagster.yaml
    (the writer pool's limit) copied in when missing: `pulse ui` from a `pip install .`
    works without the Makefile."""
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(PROJECT_ROOT / "orchestration" / "dagster.yaml", config)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def ui(port: int) -> int:
    """`dagster dev` on Pulse's code location. dagster-dbt parses the dbt project on each load
    of the definitions under `dagster dev` (DbtProject.prepare_if_dev), with the `dbt` it finds
    on PATH: the venv's, put first, so an un-activated venv works too."""
    ensure_dagster_home()
    cmd = [_bin("dagster"), "dev", "-m", "orchestration.definitions"]
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return _exec([*cmd, "-h", "127.0.0.1", "-p", str(port)], env=env)


def docs(port: int, serve: bool) -> int:
    """dbt docs generate (the catalog reads the working warehouse, under the writer lock),
    then dbt docs serve on 127.0.0.1. dbt's site is one self-contained page: no network."""
    from orchestration.resources import dbt_command
    from orchestration.warehouse import wait_until_free, writer_lock

    cfg = settings()
    env = cfg.dbt_env()
    if cfg.target == "duckdb":
        with writer_lock(cfg.warehouse):
            wait_until_free(cfg.warehouse)
            code = _exec(dbt_command("docs", "generate", "--static", executable=_bin("dbt")), env)
    else:
        code = _exec(dbt_command("docs", "generate", "--static", executable=_bin("dbt")), env)
    if code != 0:
        print("dbt docs generate failed: see its log above.", file=sys.stderr)
        return code
    site = PROJECT_ROOT / "target" / "static_index.html"
    print(f"dbt docs: {site} (one file, opens offline)")
    if not serve:
        return 0
    print(f"Serving on http://127.0.0.1:{port} (Ctrl-C stops it)")
    serve_args = ("docs", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-browser")
    return _exec(dbt_command(*serve_args, executable=_bin("dbt")), env)


def fit_weights(args: list[str]) -> int:
    from orchestration.health import fit_weights as fit

    if not any(a == "--warehouse" or a.startswith("--warehouse=") for a in args):
        args = ["--warehouse", str(settings().warehouse), *args]
    return fit.main(args)


def _iso_date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pulse", description="Pulse: customer-health warehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="ingest new landing files, dbt build, publish, report")
    run.add_argument(
        "--as-of", type=_iso_date, help="the date that counts as today (default: today, UTC)"
    )
    run.add_argument("--landing", type=Path, help="landing folder (default: $PULSE_LANDING_DIR)")
    run.add_argument(
        "--plain",
        action="store_true",
        help="plain progress lines, no live display (also: PULSE_PLAIN_PROGRESS=1)",
    )
    sub.add_parser("status", help="the last run, what was loaded, failed checks, the outputs")
    sub.add_parser("summary", help="what the warehouse holds (part of `status`)")
    ui_parser = sub.add_parser("ui", help="the Dagster UI on http://127.0.0.1:3000")
    ui_parser.add_argument("--port", type=int, default=3000)
    docs_parser = sub.add_parser("docs", help="dbt's documentation site on http://127.0.0.1:8080")
    docs_parser.add_argument("--port", type=int, default=8080)
    docs_parser.add_argument("--no-serve", dest="serve", action="store_false", help="generate only")
    sub.add_parser(
        "fit-weights",
        help="propose health-score weights (options: pulse fit-weights -- --help)",
        add_help=False,
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "fit-weights":
        return fit_weights([a for a in rest if a != "--"])
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "run":
        landing = str(args.landing.expanduser().resolve()) if args.landing else None
        if args.plain:  # the progress logger reads it where the run starts (progress.py)
            os.environ[PLAIN_ENV] = "1"
        ok = run_pipeline(as_of=args.as_of, landing=landing)
        print(summary(PulseSettings(as_of_date=args.as_of, landing_dir=landing).get()))
        if not ok:
            print("\nThe run FAILED: see the Dagster logs above (or `pulse ui`).", file=sys.stderr)
            return 1
        return 0
    if args.command == "ui":
        return ui(args.port)
    if args.command == "docs":
        return docs(args.port, args.serve)
    if args.command == "status":
        print(status())
        return 0
    print(summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
