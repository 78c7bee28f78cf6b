"""The benchmark: demo data at a scale factor, the full pipeline, the daily run, a weight
change re-scored, the raw-read lower bound, start-up overheads and profiles of the slowest
models, written to benchmarks/results/sf<SF>-<target>.json and .md.

    python -m tools.bench --sf 1            # make bench SF=1

Every phase runs in its own process (tools/bench/worker.py) while a thread samples
the resident memory of that process and its children (psutil) every 50 ms; the samples are
attributed to the Dagster step (or dbt model) running at the time, from the run's event log
and dbt's run_results.json. Durations are wall-clock seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.config import PROJECT_ROOT, settings
from orchestration.resources import dbt_command
from tools.bench import dbt_artifacts, profiling
from tools.bench.machine import machine_info, package_versions
from tools.bench.procmem import TreeSampler
from tools.bench.report import render_markdown
from tools.bench.side_by_side import render_side_by_side

SCHEMA_VERSION = 1
DEFAULT_END_DATE = dt.date(2025, 6, 30)  # fixed, so runs on different days compare
DEFAULT_SEED = 42
MARKER = ".pulse-bench"
MB = 1024 * 1024


@dataclass
class Phase:
    name: str
    t_spawn: float
    t_end: float
    returncode: int
    result: dict
    sampler: TreeSampler
    log: Path

    @property
    def wall_s(self) -> float:
        return self.t_end - self.t_spawn

    @property
    def peak_rss(self) -> int:
        return self.sampler.peak()


@dataclass
class Bench:
    sf: float
    seed: int
    end_date: dt.date
    work: Path
    results_dir: Path
    target: str
    data_docs: str = "off"
    skip_dbt_tests: bool = False
    daily: bool = True
    weight_change: bool = True
    startup: bool = True
    profile_top: int = 5
    python: str = sys.executable
    notes: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ paths and env
    @property
    def landing(self) -> Path:
        return self.work / "landing"

    @property
    def warehouse(self) -> Path:
        # the file's stem is the database name dbt compiles into SQL: keep it `pulse`
        return self.work / "warehouse" / "pulse.duckdb"

    @property
    def label(self) -> str:
        return f"sf{self.sf:g}-{self.target}"

    def env(self, as_of: dt.date) -> dict[str, str]:
        env = {
            **os.environ,
            "PULSE_LANDING_DIR": str(self.landing),
            "PULSE_WAREHOUSE": str(self.warehouse),
            "PULSE_SERVING_DIR": str(self.work / "serving"),
            "PULSE_REPORTS_DIR": str(self.work / "reports"),
            "PULSE_DATA_DOCS_DIR": str(self.work / "data_docs"),
            "PULSE_DATA_DOCS": self.data_docs,
            "PULSE_AS_OF_DATE": as_of.isoformat(),
            "PULSE_TARGET": self.target,
            "DAGSTER_HOME": str(self.work / "dagster_home"),
            "PYTHONUNBUFFERED": "1",
        }
        if self.skip_dbt_tests:
            # smoke mode (tests/test_bench.py): dbt builds models and seeds, not data tests
            env["DBT_EXCLUDE_RESOURCE_TYPES"] = "test unit_test"
        return env

    # ------------------------------------------------------------------ running phases
    def phase(
        self, name: str, phase: str, args: list[str], as_of: dt.date, env: dict | None = None
    ) -> Phase:
        out = self.work / "phases" / f"{name}.json"
        log = self.work / "phases" / f"{name}.log"
        out.parent.mkdir(parents=True, exist_ok=True)
        cmd = [self.python, "-m", "tools.bench.worker", phase, "--out", str(out), *args]
        print(f"[bench] {name} ...", flush=True)
        with open(log, "w") as fh:
            t_spawn = time.time()
            proc = subprocess.Popen(
                cmd,
                env={**self.env(as_of), **(env or {})},
                cwd=PROJECT_ROOT,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
            with TreeSampler(proc.pid) as sampler:
                rc = proc.wait()
            t_end = time.time()
        result = json.loads(out.read_text()) if out.exists() else {}
        p = Phase(name, t_spawn, t_end, rc, result, sampler, log)
        print(f"[bench] {name}: {p.wall_s:.1f}s, peak {p.peak_rss / MB:.0f} MB", flush=True)
        if rc != 0:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"phase {name} failed (exit {rc}); log {log}:\n{tail}")
        return p

    def prepare(self) -> None:
        if self.work.exists():
            if any(self.work.iterdir()) and not (self.work / MARKER).exists():
                raise SystemExit(f"refusing to wipe {self.work}: not a benchmark work folder")
            shutil.rmtree(self.work)
        (self.work / "dagster_home").mkdir(parents=True)
        (self.work / MARKER).write_text("made by tools.bench; wiped by the next run\n")
        shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", self.work / "dagster_home")

    # ------------------------------------------------------------------ the benchmark
    def run(self) -> dict:
        started = time.time()
        self.prepare()
        report: dict = {
            "schema_version": SCHEMA_VERSION,
            "label": self.label,
            "scale_factor": self.sf,
            "seed": self.seed,
            "end_date": self.end_date.isoformat(),
            "dbt_target": self.target,
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "settings": {
                "PULSE_DATA_DOCS": self.data_docs,
                "dbt_data_tests": not self.skip_dbt_tests,
                "work_dir": str(self.work),
            },
            "machine": machine_info(self.work),
        }
        day = self.end_date
        gen = self.phase(
            "generation",
            "generate",
            [
                "--landing",
                str(self.landing),
                "--scale",
                str(self.sf),
                "--seed",
                str(self.seed),
                "--end-date",
                day.isoformat(),
            ],
            day,
        )
        report["generation"] = {
            "wall_s": gen.wall_s,
            "peak_rss_mb": gen.peak_rss / MB,
            "rows": gen.result["rows"],
            "files": gen.result["files"],
            "landing_bytes": _tree_bytes(self.landing),
        }
        lb = self.phase("lower_bound", "lower-bound", ["--landing", str(self.landing)], day)
        report["lower_bound"] = {**lb.result, "wall_s": lb.wall_s, "peak_rss_mb": lb.peak_rss / MB}
        self.checkpoint(report)

        full = self.phase("full_run", "pipeline", ["--artifacts", str(self.art("full"))], day)
        report["full_run"] = self.pipeline_report(full, self.art("full"))
        report["full_run"]["warehouse"] = self.sizes()
        self.checkpoint(report)

        if self.daily:
            drop = self.phase(
                "daily_drop",
                "daily-drop",
                ["--landing", str(self.landing), "--last-day", day.isoformat()],
                day,
            )
            next_day = day + dt.timedelta(days=1)
            daily = self.phase(
                "daily_run", "pipeline", ["--artifacts", str(self.art("daily"))], next_day
            )
            report["daily_run"] = self.pipeline_report(daily, self.art("daily"))
            report["daily_run"]["as_of_date"] = next_day.isoformat()
            report["daily_run"]["drop"] = {
                "wall_s": drop.wall_s,
                "files": drop.result["files"],
                "rows": sum(f["rows"] for f in drop.result["files"].values()),
            }
            report["daily_run"]["warehouse"] = self.sizes()
            self.checkpoint(report)

        if self.weight_change:
            as_of = day + dt.timedelta(days=1) if self.daily else day
            report["weight_change"] = self.weight_change_run(as_of)
            self.checkpoint(report)

        return self.finish(report, started)

    def weight_change_run(self, as_of: dt.date) -> dict:
        """One weight moved, the history re-scored (tools/bench/weight_change.py), on the
        warehouse as the last pipeline run left it, as of that run's day."""
        phase = self.phase(
            "weight_change",
            "weight-change",
            [
                "--project",
                str(self.work / "weight_change_project"),
                "--artifacts",
                str(self.art("weight_change")),
            ],
            as_of,
        )
        r = phase.result
        return {
            "as_of_date": as_of.isoformat(),
            "wall_s": phase.wall_s,
            "dbt_wall_s": r["dbt_wall_s"],
            "peak_rss_mb": phase.peak_rss / MB,
            "success": r["success"],
            "moved": r["moved"],
            "selection": r["selection"],
            "history_rows": r["history_rows"],
            "history_rows_rescored": r["history_rows_rescored"],
            "models": {
                uid.split(".")[-1]: node
                for uid, node in r["nodes"].items()
                if uid.startswith("model.")
            },
            "data_tests": sum(1 for uid in r["nodes"] if uid.startswith("test.")),
            "data_tests_s": sum(
                n["execution_time_s"] for uid, n in r["nodes"].items() if uid.startswith("test.")
            ),
        }

    def finish(self, report: dict, started: float | None = None) -> dict:
        """The phases after the pipeline runs (start-up probes, profiles) and the derived
        numbers; also what --resume runs on a report.partial.json."""
        # versions of packages a resumed report's first part did not record (same venv)
        packages = report["machine"]["packages"]
        packages.update({k: v for k, v in package_versions().items() if k not in packages})
        if self.startup:
            report["startup"] = self.startup_overheads(report)
        if self.profile_top and self.target == "duckdb":
            report["profiles"] = self.profiles(report["full_run"])
        elif self.profile_top:
            report["profiles"] = {
                "skipped": "EXPLAIN ANALYZE profiles are DuckDB plans; on Spark the per-model"
                " dbt timings above are the profile"
            }
        report["ratios"] = _ratios(report)
        report["targets"] = _targets(report)
        report["notes"] = report.get("notes", []) + self.notes
        if started is not None:
            report["bench_wall_s"] = time.time() - started
        return report

    def checkpoint(self, report: dict) -> None:
        """What is measured so far, in the work folder: a run stopped later (out of memory,
        out of disk, interrupted) still leaves its numbers behind."""
        path = self.work / "report.partial.json"
        path.write_text(json.dumps(report, indent=1, default=str) + "\n")

    def art(self, name: str) -> Path:
        return self.work / "dbt_artifacts" / name

    # ------------------------------------------------------------------ one pipeline run
    def pipeline_report(self, phase: Phase, art: Path) -> dict:
        r = phase.result
        s = phase.sampler
        steps = [st for st in r["steps"] if "end" in st]
        for st in steps:
            st["wall_s"] = st["end"] - st["start"]
            st["peak_rss_mb"] = s.peak_or_nearest(st["start"], st["end"]) / MB
            st["peak_by_process_mb"] = _by_process(s.peak_sample(st["start"], st["end"]))
        by_kind: dict[str, list[dict]] = {}
        for st in steps:
            by_kind.setdefault(_step_kind(st["step"]), []).append(st)

        def stage(kind: str, detail: bool = False) -> dict:
            group = by_kind.get(kind, [])
            peak = max(group, key=lambda st: st["peak_rss_mb"], default=None)
            out = {
                "wall_s": sum(st["wall_s"] for st in group),
                "peak_rss_mb": peak["peak_rss_mb"] if peak else 0.0,
                "peak_by_process_mb": peak["peak_by_process_mb"] if peak else {},
                "steps": len(group),
                "status": _status(group),
            }
            if detail:
                out["by_step"] = {
                    st["step"]: {"wall_s": st["wall_s"], "peak_rss_mb": st["peak_rss_mb"]}
                    for st in group
                }
            return out

        run_start = r["run"].get("start", r["t_defs_loaded"])
        run_end = r["run"].get("end", r["t_run_returned"])
        stages: dict[str, dict] = {
            "process_start": {
                "wall_s": r["t_main"] - phase.t_spawn,
                "peak_rss_mb": s.peak_or_nearest(phase.t_spawn, r["t_main"]) / MB,
                "note": "spawn to the worker's first line (interpreter start-up)",
            },
            "code_location_load": {
                "wall_s": r["t_defs_loaded"] - r["t_main"],
                "peak_rss_mb": s.peak_or_nearest(r["t_main"], r["t_defs_loaded"]) / MB,
                "import_dagster_s": r["import_dagster_s"],
                "import_definitions_s": r["import_definitions_s"],
                "manifest_reparsed": r["manifest_reparsed_at_load"],
            },
        }
        # ingestion, per source
        ingestion = {"wall_s": 0.0, "peak_rss_mb": 0.0, "sources": {}}
        for st in by_kind.get("ingestion", []):
            source = st["step"].removeprefix("raw__")
            meta = r["ingestion"].get(source, {})
            rows = int(meta.get("rows_read", 0))
            ingestion["sources"][source] = {
                "wall_s": st["wall_s"],
                "peak_rss_mb": st["peak_rss_mb"],
                "files_new": meta.get("files_new"),
                "rows_read": rows,
                "rows_loaded": meta.get("rows_loaded"),
                "rows_quarantined": meta.get("rows_quarantined"),
                "rows_per_s": rows / st["wall_s"] if st["wall_s"] > 0 else None,
                "status": st.get("status"),
            }
            ingestion["wall_s"] += st["wall_s"]
            ingestion["peak_rss_mb"] = max(ingestion["peak_rss_mb"], st["peak_rss_mb"])
        rows_total = sum(v["rows_read"] for v in ingestion["sources"].values())
        ingestion["rows_read"] = rows_total
        ingestion["rows_per_s"] = rows_total / ingestion["wall_s"] if ingestion["wall_s"] else None
        stages["ingestion"] = ingestion
        stages["raw_checks"] = stage("raw_checks")
        stages["raw_checks"]["checks"] = {
            st["step"].removesuffix("_gx_raw_quality"): round(st["wall_s"], 3)
            for st in by_kind.get("raw_checks", [])
        }
        stages["dbt_build"] = {**stage("dbt_build"), **self.dbt_report(art, by_kind, s)}
        stages["mart_checks"] = stage("mart_checks")
        stages["mart_checks"]["checks"] = {
            st["step"].removesuffix("_gx_mart_quality"): round(st["wall_s"], 3)
            for st in by_kind.get("mart_checks", [])
        }
        stages["publish"] = stage("publish")
        stages["reports"] = stage("reports", detail=True)
        if by_kind.get("other"):
            stages["other_steps"] = stage("other", detail=True)
        step_sum = sum(st["wall_s"] for st in steps)
        stages["orchestration_overhead"] = {
            "wall_s": max(0.0, (run_end - run_start) - step_sum),
            "peak_rss_mb": s.peak_or_nearest(run_start, run_end) / MB,
            "note": "run wall time not inside any step (Dagster planning, event storage)",
        }
        return {
            "success": r["success"],
            "run_id": r["run_id"],
            # what a user waits for: `python -m orchestration.cli run` minus its summary
            "wall_s": r["t_run_returned"] - phase.t_spawn,
            "run_wall_s": run_end - run_start,
            "peak_rss_mb": s.peak(phase.t_spawn, r["t_run_returned"]) / MB,
            "peak_by_process_mb": _by_process(s.peak_sample(phase.t_spawn, r["t_run_returned"])),
            # the kernel's per-process high-water mark: Linux only, None elsewhere
            "max_process_hwm_mb": _mb(s.max_process_hwm()),
            "failed_steps": [
                {"step": st["step"], "error": st.get("error", "")[:800]}
                for st in r["steps"]
                if st.get("status") == "failure"
            ],
            "failed_checks": [c for c in r["checks"] if not c["passed"]],
            "stages": stages,
        }

    def dbt_report(self, art: Path, by_kind: dict, sampler: TreeSampler) -> dict:
        out: dict = {}
        rr_path = art / "run_results.json"
        if not rr_path.exists():
            out["error"] = "no run_results.json (dbt did not finish)"
            return out
        rr = dbt_artifacts.read_run_results(rr_path)
        log = dbt_artifacts.read_dbt_log(art)
        step = next(iter(by_kind.get("dbt_build", [])), None)
        models, seeds, tests, unit_tests = [], [], [], []
        for n in rr["nodes"]:
            if n["start"] and n["end"]:
                n["peak_rss_mb"] = sampler.peak_or_nearest(n["start"], n["end"]) / MB
            {"model": models, "seed": seeds, "test": tests, "unit_test": unit_tests}.get(
                n["resource_type"], tests
            ).append(n)
        models.sort(key=lambda n: -n["execution_time_s"])
        out.update(
            elapsed_s=rr["elapsed_time_s"],
            parse=log["parse"],
            # step start -> dbt's first log line: dagster-dbt's set-up and dbt's import
            dbt_process_start_s=(log["first_log"] - step["start"])
            if step and log["first_log"]
            else None,
            startup_and_parse_s=log["startup_and_parse_s"],
            nodes_s=(log["last_log"] - log["first_node"])
            if log["first_node"] and log["last_log"]
            else None,
            models={
                n["name"]: {
                    "execution_time_s": n["execution_time_s"],
                    "status": n["status"],
                    "peak_rss_mb": n.get("peak_rss_mb"),
                    "rows_affected": n["rows_affected"],
                    **({"message": n["message"]} if n["message"] else {}),
                }
                for n in models
            },
            models_total_s=sum(n["execution_time_s"] for n in models),
            seeds={"count": len(seeds), "total_s": sum(n["execution_time_s"] for n in seeds)},
            data_tests={
                "count": len(tests),
                "total_s": sum(n["execution_time_s"] for n in tests),
                "failed": [n["unique_id"] for n in tests if n["status"] in ("fail", "error")],
                "slowest": [
                    {"test": n["unique_id"], "s": round(n["execution_time_s"], 3)}
                    for n in sorted(tests, key=lambda n: -n["execution_time_s"])[:5]
                ],
            },
            unit_tests={
                "count": len(unit_tests),
                "total_s": sum(n["execution_time_s"] for n in unit_tests),
            },
            note="node times are dbt's own; with 2 threads two nodes run at once, so their"
            " sum exceeds the step's wall time and a node's peak memory includes its neighbour's",
        )
        return out

    def sizes(self) -> dict:
        """Bytes on disk, and the estimated rows of every table (dbt's own rows_affected is
        empty for DuckDB)."""
        wh = self.warehouse
        out = {
            "warehouse_bytes": _size(wh) + _size(wh.with_name(wh.name + ".wal")),
            "serving_bytes": _tree_bytes(self.work / "serving" / "current", follow=True),
            "landing_bytes": _tree_bytes(self.landing),
        }
        if self.target == "spark":
            # the models' Parquet tables and the raw layer Spark reads, where the pipeline
            # put them (Settings resolves them from the warehouse file and the environment)
            cfg = dataclasses.replace(settings(), warehouse=wh)
            out["spark_warehouse_bytes"] = _tree_bytes(cfg.spark_warehouse)
            out["raw_parquet_bytes"] = _tree_bytes(cfg.raw_parquet_dir)
        try:
            con = duckdb.connect(str(wh), read_only=True)
            try:
                out["table_rows"] = {
                    f"{schema}.{name}": rows
                    for schema, name, rows in con.execute(
                        "select schema_name, table_name, estimated_size from duckdb_tables()"
                        " order by estimated_size desc"
                    ).fetchall()
                }
                usage_types = con.execute(
                    "select column_name, data_type from duckdb_columns()"
                    " where schema_name = 'raw' and table_name = 'usage_events'"
                    " order by column_index"
                ).fetchall()
                out["raw_usage_events_types"] = dict(usage_types)
            finally:
                con.close()
        except duckdb.Error as exc:  # e.g. the file is locked by another writer
            out["error"] = str(exc)[:300]
        return out

    # ------------------------------------------------------------------ start-up
    def startup_overheads(self, report: dict) -> dict:
        print("[bench] start-up overheads ...", flush=True)
        env = self.env(self.end_date)
        out: dict = {}
        # the bare interpreter, three times
        bare = []
        for _ in range(3):
            t = time.time()
            subprocess.run([self.python, "-c", "pass"], env=env, check=True)
            bare.append(time.time() - t)
        out["python_start_s"] = statistics.median(bare)
        # Dagster code location load in a fresh process, three times
        loads = []
        for i in range(3):
            ph = self.phase(f"import_definitions_{i}", "import-definitions", [], self.end_date)
            loads.append(
                {
                    "process_s": ph.wall_s,
                    "import_dagster_s": ph.result["import_dagster_s"],
                    "import_definitions_s": ph.result["import_definitions_s"],
                    "peak_rss_mb": ph.peak_rss / MB,
                    "manifest_reparsed": ph.result["manifest_reparsed"],
                }
            )
        # a load that re-parsed the dbt project (someone edited a model meanwhile) is kept
        # apart: the median is over the loads with a fresh manifest when there are any
        fresh = [x for x in loads if not x["manifest_reparsed"]] or loads
        keys = ("process_s", "import_dagster_s", "import_definitions_s", "peak_rss_mb")
        out["code_location_load"] = {k: statistics.median(x[k] for x in fresh) for k in keys}
        out["code_location_load"]["runs"] = loads
        if self.target == "spark":
            out["spark_session"] = self.spark_session_startup()
        # dbt parse: cold, then unchanged (partial parse), then with a new as_of_date var
        target = self.work / "parse" / "target"
        logs = self.work / "parse" / "logs"
        day = self.end_date.isoformat()
        nxt = (self.end_date + dt.timedelta(days=1)).isoformat()
        parses = {}
        for name, extra in (
            ("cold", ["--no-partial-parse", "--vars", json.dumps({"as_of_date": day})]),
            ("partial_unchanged", ["--vars", json.dumps({"as_of_date": day})]),
            ("vars_changed", ["--vars", json.dumps({"as_of_date": nxt})]),
        ):
            shutil.rmtree(logs, ignore_errors=True)
            cmd = dbt_command(
                "parse",
                "--log-format-file",
                "json",
                *extra,
                target_path=target,
                log_path=logs,
                executable=str(Path(self.python).parent / "dbt"),
            )
            t = time.time()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT)
            wall = time.time() - t
            info = dbt_artifacts.read_dbt_log(logs) if logs.exists() else {}
            parses[name] = {
                "wall_s": wall,
                "ok": proc.returncode == 0,
                "mode": info.get("parse", {}).get("mode"),
                "reasons": info.get("parse", {}).get("reasons"),
            }
        out["dbt_parse"] = parses
        out["manifest_reuse"] = {
            run: report[run]["stages"]["dbt_build"].get("parse", {}).get("mode")
            for run in ("full_run", "daily_run")
            if run in report
        }
        return out

    def spark_session_startup(self) -> dict:
        """A local Spark session started and stopped in a fresh process, three times: what
        each dbt invocation on the Spark target pays before its first model. Its own
        metastore and warehouse folder, so the pipeline's tables are not touched."""
        scratch = self.work / "startup" / "spark_session"
        runs = []
        for i in range(3):
            ph = self.phase(
                f"spark_session_{i}",
                "spark-session",
                [],
                self.end_date,
                env={"PULSE_SPARK_WAREHOUSE": str(scratch)},
            )
            runs.append({**ph.result, "process_s": ph.wall_s, "peak_rss_mb": ph.peak_rss / MB})
        keys = ("process_s", "import_pyspark_s", "session_start_s", "first_query_s", "stop_s")
        out = {k: statistics.median(r[k] for r in runs) for k in (*keys, "peak_rss_mb")}
        out["start_to_first_result_s"] = statistics.median(
            r["import_pyspark_s"] + r["session_start_s"] + r["first_query_s"] for r in runs
        )
        for k in ("master", "spark_version", "driver_memory"):
            out[k] = runs[-1].get(k)
        out["runs"] = runs
        return out

    # ------------------------------------------------------------------ profiles
    def profiles(self, full: dict) -> dict:
        print("[bench] profiling the slowest models ...", flush=True)
        rr = self.art("full") / "run_results.json"
        compiled = profiling.compiled_sql(rr) if rr.exists() else {}
        models = full["stages"]["dbt_build"].get("models", {})
        slowest = [m for m, v in models.items() if v["status"] == "success"][: self.profile_top]
        out: dict = {"models": {}}
        plans_dir = self.results_dir / "profiles" / self.label
        shutil.rmtree(plans_dir, ignore_errors=True)
        for name in slowest:
            if name not in compiled:
                continue
            sql, batch = profiling.one_batch(compiled[name], self.end_date)
            try:
                prof = profiling.explain_analyze(self.warehouse, sql, plans_dir / f"{name}.txt")
                if batch:
                    prof["batch"] = batch
            except duckdb.Error as exc:
                prof = {"error": str(exc)[:500]}
            prof["dbt_execution_time_s"] = models[name]["execution_time_s"]
            out["models"][name] = prof
        out["plans_dir"] = (
            str(plans_dir.relative_to(PROJECT_ROOT)) if _inside(plans_dir) else str(plans_dir)
        )
        try:
            out["raw_scans"] = profiling.raw_scans(self.warehouse, compiled)
        except duckdb.Error as exc:
            out["raw_scans_error"] = str(exc)[:300]
        return out


# ---------------------------------------------------------------------- helpers
def _step_kind(step: str) -> str:
    if step.endswith("_gx_raw_quality"):
        return "raw_checks"
    if step.endswith("_gx_mart_quality"):
        return "mart_checks"
    if step.startswith("raw__"):
        return "ingestion"
    if step == "pulse_dbt_models":
        return "dbt_build"
    if step == "serving":
        return "publish"
    if "report" in step:  # finance_reports, pulse_report
        return "reports"
    return "other"


def _by_process(sample) -> dict[str, float]:
    """MB per process of the tree at a sample: main (the Dagster process), dbt, chromium..."""
    if sample is None:
        return {}
    return {k: round(v / MB, 1) for k, v in sorted(sample.by_process.items())}


def _mb(b: int | None) -> float | None:
    return None if b is None else b / MB


def _status(steps: list[dict]) -> str:
    if not steps:
        return "not run"
    if any(st.get("status") == "failure" for st in steps):
        return "failure"
    return "success"


def _size(p: Path) -> int:
    return p.stat().st_size if p.exists() else 0


def _tree_bytes(root: Path, follow: bool = False) -> int:
    root = root.resolve() if follow else root
    if not root.exists():
        return 0
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _inside(p: Path) -> bool:
    try:
        p.resolve().relative_to(PROJECT_ROOT)
        return True
    except ValueError:
        return False


def _ratios(report: dict) -> dict:
    lb = report["lower_bound"]
    full = report["full_run"]
    out = {
        "full_vs_lower_bound": full["wall_s"] / lb["count_star_s"],
        "full_vs_lower_bound_all_columns": full["wall_s"] / lb["all_columns_s"],
        "ingestion_vs_lower_bound": full["stages"]["ingestion"]["wall_s"] / lb["count_star_s"],
    }
    if "daily_run" in report:
        out["daily_vs_full"] = report["daily_run"]["wall_s"] / full["wall_s"]
    if "weight_change" in report:
        out["weight_change_vs_full"] = report["weight_change"]["wall_s"] / full["wall_s"]
    return out


def _targets(report: dict) -> dict:
    """The performance targets (stated for SF10) against this run's numbers."""
    ratios = report["ratios"]
    peak = max(report["full_run"]["peak_rss_mb"], report.get("daily_run", {}).get("peak_rss_mb", 0))
    out = {
        "full_within_3x_lower_bound": {
            "target": 3.0,
            "value": ratios["full_vs_lower_bound"],
            "met": ratios["full_vs_lower_bound"] <= 3.0,
        },
        "peak_memory_under_4gb": {"target_mb": 4096, "value_mb": peak, "met": peak < 4096},
    }
    if "daily_vs_full" in ratios:
        out["daily_within_10pct_of_full"] = {
            "target": 0.10,
            "value": ratios["daily_vs_full"],
            "met": ratios["daily_vs_full"] <= 0.10,
        }
    if "weight_change_vs_full" in ratios:
        out["weight_change_within_10pct_of_full"] = {
            "target": 0.10,
            "value": ratios["weight_change_vs_full"],
            "met": ratios["weight_change_vs_full"] <= 0.10,
        }
    st = report.get("startup")
    if st:
        full = report["full_run"]
        overhead = (
            full["stages"]["process_start"]["wall_s"]
            + full["stages"]["code_location_load"]["wall_s"]
            + (full["stages"]["dbt_build"].get("dbt_process_start_s") or 0)
            + (full["stages"]["dbt_build"].get("startup_and_parse_s") or 0)
        )
        out["startup_overhead_share_of_full"] = {"value": overhead / full["wall_s"]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument("--sf", type=float, default=1.0, help="scale factor (1 = ~10k customers)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=DEFAULT_END_DATE)
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="scratch folder, wiped first (default $PULSE_BENCH_DIR/<label> or"
        " benchmarks/runs/<label>)",
    )
    parser.add_argument("--results-dir", type=Path, default=PROJECT_ROOT / "benchmarks" / "results")
    parser.add_argument("--target", default=os.environ.get("PULSE_TARGET") or "duckdb")
    parser.add_argument("--data-docs", choices=("on", "off"), default="off")
    parser.add_argument("--no-daily", action="store_true", help="skip the daily-run scenario")
    parser.add_argument(
        "--no-weight-change", action="store_true", help="skip the weight-change scenario"
    )
    parser.add_argument(
        "--weight-change-only",
        type=Path,
        metavar="JSON",
        help="only add the weight-change scenario to a finished run's result JSON, on the"
        " warehouse its work folder still holds",
    )
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up probes")
    parser.add_argument("--profile-top", type=int, default=5, help="models to EXPLAIN ANALYZE")
    parser.add_argument(
        "--skip-dbt-tests",
        action="store_true",
        help="smoke mode for tests: dbt builds models and seeds but no data/unit tests",
    )
    parser.add_argument("--note", action="append", default=[], help="a note for the report")
    parser.add_argument(
        "--render", type=Path, metavar="JSON", help="only re-render the .md of a result JSON"
    )
    parser.add_argument(
        "--side-by-side",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="only write results of one scale factor on several targets side by side, to"
        " <results-dir>/sf<SF>-targets.md (the first JSON is the baseline)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish a stopped run from its work folder's report.partial.json: the start-up"
        " probes, profiles and ratios (the pipeline runs are not repeated)",
    )
    args = parser.parse_args(argv)
    if args.render:
        report = json.loads(args.render.read_text())
        args.render.with_suffix(".md").write_text(render_markdown(report))
        return 0
    if args.side_by_side:
        reports = [json.loads(p.read_text()) for p in args.side_by_side]
        out = args.results_dir / f"sf{reports[0]['scale_factor']:g}-targets.md"
        out.write_text(render_side_by_side(reports))
        print(f"[bench] wrote {out}")
        return 0
    if args.sf <= 0:
        parser.error("--sf must be positive")
    label = f"sf{args.sf:g}-{args.target}"
    work = args.work_dir
    if work is None:
        base = os.environ.get("PULSE_BENCH_DIR")
        work = Path(base) / label if base else PROJECT_ROOT / "benchmarks" / "runs" / label
    bench = Bench(
        sf=args.sf,
        seed=args.seed,
        end_date=args.end_date,
        work=work.resolve(),
        results_dir=args.results_dir.resolve(),
        target=args.target,
        data_docs=args.data_docs,
        skip_dbt_tests=args.skip_dbt_tests,
        daily=not args.no_daily,
        weight_change=not args.no_weight_change,
        startup=not args.no_startup,
        profile_top=args.profile_top,
        notes=list(args.note),
    )
    if args.weight_change_only:
        report = json.loads(args.weight_change_only.read_text())
        day = dt.date.fromisoformat(
            report.get("daily_run", {}).get("as_of_date", report["end_date"])
        )
        report["weight_change"] = bench.weight_change_run(day)
        report["ratios"] = _ratios(report)
        report["targets"] = _targets(report)
    elif args.resume:
        report = bench.finish(json.loads((bench.work / "report.partial.json").read_text()))
    else:
        report = bench.run()
    args.results_dir.mkdir(parents=True, exist_ok=True)
    json_path = args.results_dir / f"{label}.json"
    md_path = args.results_dir / f"{label}.md"
    json_path.write_text(json.dumps(report, indent=1, default=str) + "\n")
    md_path.write_text(render_markdown(report))
    print(f"[bench] wrote {json_path} and {md_path}")
    ok = all(
        report.get(run, {}).get("success", True)
        for run in ("full_run", "daily_run", "weight_change")
    )
    if not ok:
        print("[bench] a pipeline run FAILED: see failed_steps in the JSON", file=sys.stderr)
    return 0 if ok else 1
