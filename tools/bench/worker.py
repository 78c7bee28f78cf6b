"""One benchmark phase in its own process, so the harness can time it and sample the memory
of exactly its process tree:

    python -m tools.bench.worker PHASE --out result.json [options]

PHASE is generate, lower-bound, daily-drop, pipeline (the Dagster job `pulse_refresh`
in-process, as `orchestration.cli run` does, with the settings from the environment),
weight-change (tools/bench/weight_change.py) or import-definitions (the Dagster code
location's load time) or spark-session (a local Spark session's start-up,
tools/bench/spark_session.py). Each writes its result as JSON.
Wall-clock stamps are time.time(), the clock Dagster stamps its events with.
"""

from __future__ import annotations

import time

T_MAIN = time.time()  # before any heavy import: the interpreter is up

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def _generate(args) -> dict:
    from tools.demo_data.generate import generate

    manifest = generate(
        Path(args.landing), args.scale, args.seed, dt.date.fromisoformat(args.end_date)
    )
    return {
        "rows": {name: s["rows_written"] for name, s in manifest["sources"].items()},
        "files": {name: s["files"] for name, s in manifest["sources"].items()},
        "facts": manifest["facts"],
    }


def _lower_bound(args) -> dict:
    from tools.bench.lower_bound import measure

    return measure(Path(args.landing))


def _daily_drop(args) -> dict:
    from tools.bench.daily import write_daily_drop

    return {"files": write_daily_drop(Path(args.landing), dt.date.fromisoformat(args.last_day))}


def _spark_session(args) -> dict:
    from tools.bench.spark_session import measure

    return measure()


def _weight_change(args) -> dict:
    from tools.bench.weight_change import copy_project_moving_a_weight, rescore

    moved = copy_project_moving_a_weight(Path(args.project))
    return {"moved": moved, **rescore(Path(args.project), Path(args.artifacts))}


def _manifest_mtime() -> float | None:
    manifest = Path(__file__).resolve().parents[2] / "target" / "manifest.json"
    return manifest.stat().st_mtime if manifest.exists() else None


def _import_definitions(args) -> dict:
    t0 = time.time()
    import dagster  # noqa: F401

    t1 = time.time()
    before = _manifest_mtime()
    import orchestration.definitions  # noqa: F401

    t2 = time.time()
    return {
        "t_main": T_MAIN,
        "import_dagster_s": t1 - t0,
        "import_definitions_s": t2 - t1,
        "manifest_reparsed": _manifest_mtime() != before,
    }


def _step_events(instance, run_id: str) -> tuple[list[dict], dict, list[dict], dict]:
    """Steps (key, start, end, status), ingestion metadata per asset, check results, and
    the run's start / end stamps, from the run's event log."""
    from dagster import DagsterEventType as E

    steps: dict[str, dict] = {}
    ingestion: dict[str, dict] = {}
    checks: list[dict] = []
    run: dict = {}
    for entry in instance.all_logs(run_id):
        ev = entry.dagster_event
        if ev is None:
            continue
        kind = ev.event_type
        if kind == E.RUN_START:
            run["start"] = entry.timestamp
        elif kind in (E.RUN_SUCCESS, E.RUN_FAILURE):
            run["end"] = entry.timestamp
            run["status"] = "success" if kind == E.RUN_SUCCESS else "failure"
        elif kind == E.STEP_START:
            steps[ev.step_key] = {"step": ev.step_key, "start": entry.timestamp}
        elif kind in (E.STEP_SUCCESS, E.STEP_FAILURE):
            step = steps.setdefault(ev.step_key, {"step": ev.step_key, "start": entry.timestamp})
            step["end"] = entry.timestamp
            step["status"] = "success" if kind == E.STEP_SUCCESS else "failure"
            if kind == E.STEP_FAILURE:
                step["error"] = str(ev.event_specific_data.error.message)[:2000]
        elif kind == E.STEP_SKIPPED:
            steps[ev.step_key] = {"step": ev.step_key, "status": "skipped"}
        elif kind == E.ASSET_MATERIALIZATION:
            mat = ev.event_specific_data.materialization
            key = mat.asset_key.path
            if key[0] == "raw":
                # the loader's counts; not the file list, nor Dagster's table schema (a record)
                ingestion[key[1]] = {
                    k: v.value
                    for k, v in mat.metadata.items()
                    if k != "files" and isinstance(v.value, (int, float, str, bool, type(None)))
                }
        elif kind == E.ASSET_CHECK_EVALUATION:
            evaluation = ev.event_specific_data
            checks.append(
                {
                    "asset": evaluation.asset_key.to_user_string(),
                    "check": evaluation.check_name,
                    "passed": evaluation.passed,
                    "severity": evaluation.severity.value if evaluation.severity else None,
                }
            )
    return list(steps.values()), ingestion, checks, run


def _pipeline(args) -> dict:
    out: dict = {"t_main": T_MAIN}
    t0 = time.time()
    from dagster import DagsterInstance

    out["import_dagster_s"] = time.time() - t0
    # Loading the code location parses the dbt project first when target/manifest.json is
    # missing or older than a project file (orchestration/assets/dbt.py).
    before = _manifest_mtime()
    t1 = time.time()
    from orchestration.config import PROJECT_ROOT
    from orchestration.definitions import defs

    out["import_definitions_s"] = time.time() - t1
    out["manifest_reparsed_at_load"] = _manifest_mtime() != before
    out["t_defs_loaded"] = time.time()
    instance = DagsterInstance.get()
    run_config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    result = defs.get_job_def("pulse_refresh").execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config
    )
    out["t_run_returned"] = time.time()
    out["success"] = result.success
    out["run_id"] = result.run_id
    steps, ingestion, checks, run = _step_events(instance, result.run_id)
    out.update(steps=steps, ingestion=ingestion, checks=checks, run=run)
    # dagster-dbt wrote the dbt invocation's artifacts to target/<step>-<run id[:7]>-<uuid>
    art = Path(args.artifacts)
    art.mkdir(parents=True, exist_ok=True)
    folders = sorted((PROJECT_ROOT / "target").glob(f"pulse_dbt_models-{result.run_id[:7]}-*"))
    if folders:
        folder = folders[-1]
        for name in ("run_results.json", "dbt.log", "dbt.log.1", "dbt.log.2"):
            if (folder / name).exists():
                shutil.copy(folder / name, art / name)
        out["dbt_target"] = str(folder)
    out["t_end"] = time.time()
    return out


PHASES = {
    "generate": _generate,
    "lower-bound": _lower_bound,
    "daily-drop": _daily_drop,
    "pipeline": _pipeline,
    "import-definitions": _import_definitions,
    "spark-session": _spark_session,
    "weight-change": _weight_change,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools.bench.worker")
    parser.add_argument("phase", choices=sorted(PHASES))
    parser.add_argument("--out", required=True)
    parser.add_argument("--landing")
    parser.add_argument("--scale", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--end-date")
    parser.add_argument("--last-day")
    parser.add_argument("--artifacts")
    parser.add_argument("--project")
    args = parser.parse_args(argv)
    result = PHASES[args.phase](args)
    result.setdefault("t_main", T_MAIN)
    result["t_exit"] = time.time()
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
