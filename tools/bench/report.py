"""The benchmark's Markdown table, rendered from its JSON."""

from __future__ import annotations

STAGES = (
    ("process_start", "process start"),
    ("code_location_load", "Dagster code location load"),
    ("ingestion", "ingestion (all sources)"),
    ("raw_checks", "GX checks on raw tables"),
    ("dbt_build", "dbt build (whole step)"),
    ("mart_checks", "GX checks on marts"),
    ("publish", "publish (serving copy)"),
    ("reports", "reports (finance workbook, Pulse report)"),
    ("other_steps", "other steps"),
    ("orchestration_overhead", "Dagster between steps"),
)


def _s(x: float | None, digits: int = 2) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def _int(x) -> str:
    return "" if x is None else f"{int(x):,}"


def _mb(x: float | None) -> str:
    return "" if not x else f"{x:,.0f}"


def _rate(x: float | None) -> str:
    return "" if not x else f"{x:,.0f}"


def _row(label: str, wall=None, peak=None, rows=None, rate=None, note: str = "") -> str:
    return f"| {label} | {_s(wall)} | {_mb(peak)} | {_int(rows)} | {_rate(rate)} | {note} |"


def _stage_rows(run: dict) -> list[str]:
    rows = []
    st = run["stages"]
    sub = "&nbsp;&nbsp;"
    for key, label in STAGES:
        if key not in st:
            continue
        s = st[key]
        note = ""
        if key == "dbt_build" and "parse" in s:
            note = f"dbt parse: {s['parse'].get('mode')}"
        elif key == "code_location_load" and s.get("manifest_reparsed"):
            note = "includes a dbt parse (target/manifest.json was stale)"
        if s.get("status") and s["status"] != "success":
            note = (note + "; " if note else "") + s["status"]
        rows.append(
            _row(
                label,
                s["wall_s"],
                s.get("peak_rss_mb"),
                s.get("rows_read"),
                s.get("rows_per_s"),
                note,
            )
        )
        if key == "ingestion":
            for name, src in s["sources"].items():
                rows.append(
                    _row(
                        sub + name,
                        src["wall_s"],
                        src["peak_rss_mb"],
                        src["rows_read"],
                        src["rows_per_s"],
                        f"{src.get('files_new')} new file(s)",
                    )
                )
        for name, step in s.get("by_step", {}).items():
            rows.append(_row(sub + name, step["wall_s"], step["peak_rss_mb"]))
        if key == "dbt_build" and "elapsed_s" in s:
            rows += [
                _row(
                    sub + "dbt process start",
                    s.get("dbt_process_start_s"),
                    note="step start to dbt's first log line (adapter set-up in Dagster,"
                    " dbt's imports)",
                ),
                _row(sub + "dbt start-up and parse", s.get("startup_and_parse_s")),
                _row(sub + "dbt nodes", s.get("nodes_s"), note="first node to last log line"),
                _row(f"{sub}models (sum of {len(s['models'])})", s["models_total_s"]),
                _row(f"{sub}seeds (sum of {s['seeds']['count']})", s["seeds"]["total_s"]),
                _row(
                    f"{sub}data tests (sum of {s['data_tests']['count']})",
                    s["data_tests"]["total_s"],
                ),
                _row(
                    f"{sub}unit tests (sum of {s['unit_tests']['count']})",
                    s["unit_tests"]["total_s"],
                ),
            ]
    return rows


def _run_table(title: str, run: dict) -> list[str]:
    status = "success" if run["success"] else "**FAILED**"
    lines = [
        f"### {title}: {_s(run['wall_s'], 1)} s, peak {_mb(run['peak_rss_mb'])} MB ({status})",
        "",
        "At the peak: "
        + ", ".join(f"{k} {_mb(v)} MB" for k, v in run.get("peak_by_process_mb", {}).items())
        + " (main = the Dagster process).",
        "",
        "| stage | wall s | peak MB (tree) | rows read | rows/s | note |",
        "|---|---:|---:|---:|---:|---|",
        *_stage_rows(run),
        "",
    ]
    for f in run.get("failed_steps", []):
        lines.append(f"- failed step `{f['step']}`: {f['error'].splitlines()[0][:300]}")
    for c in run.get("failed_checks", []):
        lines.append(f"- check {c['check']} on {c['asset']}: {c['severity']}")
    if run.get("failed_steps") or run.get("failed_checks"):
        lines.append("")
    return lines


def _adapters(r: dict) -> str:
    pk = r["machine"]["packages"]
    if r.get("dbt_target", "duckdb") == "spark":
        return f"dbt-spark {pk.get('dbt-spark')}, pyspark {pk.get('pyspark')}"
    return f"dbt-duckdb {pk.get('dbt-duckdb')}"


def render_markdown(r: dict, top_models: int = 15) -> str:
    m = r["machine"]
    pk = m["packages"]
    lb = r["lower_bound"]
    ratios = r["ratios"]
    full = r["full_run"]
    lines = [
        f"# Pulse benchmark {r['label']}",
        "",
        f"Scale factor {r['scale_factor']:g}, seed {r['seed']}, end date {r['end_date']},"
        f" started {r['started_at']}. Machine: {m['cpus']} CPUs ({m['cpu_model']}),"
        f" {m['memory_gb']} GB RAM, Python {m['python']}, DuckDB {pk.get('duckdb')},"
        f" dbt-core {pk.get('dbt-core')} ({_adapters(r)}),"
        f" Dagster {pk.get('dagster')}; load average at start"
        f" {', '.join(str(x) for x in m['load_average_at_start'])}."
        f" PULSE_DATA_DOCS={r['settings']['PULSE_DATA_DOCS']}"
        + ("" if r["settings"]["dbt_data_tests"] else "; dbt data tests SKIPPED (smoke mode)")
        + ".",
        "",
        "## Summary",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| generation | {_s(r['generation']['wall_s'], 1)} s,"
        f" peak {_mb(r['generation']['peak_rss_mb'])} MB |",
        f"| raw-read lower bound, count(*) | {_s(lb['count_star_s'])} s"
        f" ({_int(lb['rows'])} rows, {lb['bytes'] / 1e6:,.1f} MB of files) |",
        f"| raw-read lower bound, every column | {_s(lb['all_columns_s'])} s |",
        f"| full pipeline | {_s(full['wall_s'], 1)} s |",
        f"| full pipeline / lower bound (count(*)) | {_s(ratios['full_vs_lower_bound'], 1)}x |",
        f"| full pipeline / lower bound (every column) |"
        f" {_s(ratios['full_vs_lower_bound_all_columns'], 1)}x |",
        f"| ingestion / lower bound (count(*)) | {_s(ratios['ingestion_vs_lower_bound'], 1)}x |",
        f"| peak memory, full run (process tree) | {_mb(full['peak_rss_mb'])} MB |",
    ]
    spark = r.get("startup", {}).get("spark_session")
    if spark:
        lines.append(
            f"| Spark session start-up (pyspark import, JVM and session, first query) |"
            f" {_s(spark['start_to_first_result_s'], 1)} s |"
        )
    if "daily_run" in r:
        d = r["daily_run"]
        lines += [
            f"| daily run ({_int(d['drop']['rows'])} new rows in {len(d['drop']['files'])}"
            f" files) | {_s(d['wall_s'], 1)} s |",
            f"| daily run / full run | {_s(100 * ratios['daily_vs_full'], 0)}% |",
            f"| peak memory, daily run | {_mb(d['peak_rss_mb'])} MB |",
        ]
    if "weight_change" in r:
        w = r["weight_change"]
        moved = w["moved"]
        lines += [
            f"| weight change re-scored ({moved['amount']:g} of the {moved['scorecard']}"
            f" scorecard's weight moved from {moved['from']} to {moved['to']}; dbt build"
            f" {w['selection']}) | {_s(w['wall_s'], 1)} s |",
            f"| weight change / full run | {_s(100 * ratios['weight_change_vs_full'], 0)}% |",
            f"| health history rows re-scored | {_int(w['history_rows_rescored'])} of"
            f" {_int(w['history_rows'])} |",
        ]
    wh = full.get("warehouse", {})
    if "spark_warehouse_bytes" in wh:
        lines += [
            f"| Spark warehouse (model tables) after the full run |"
            f" {wh['spark_warehouse_bytes'] / 1e6:,.1f} MB |",
            f"| Parquet raw layer (Spark's sources) | {wh['raw_parquet_bytes'] / 1e6:,.1f} MB |",
        ]
    lines += [
        f"| warehouse on disk after the full run | {wh.get('warehouse_bytes', 0) / 1e6:,.1f} MB |",
        f"| serving copy (DuckDB + Parquet) | {wh.get('serving_bytes', 0) / 1e6:,.1f} MB |",
        f"| landing files | {wh.get('landing_bytes', 0) / 1e6:,.1f} MB |",
    ]
    if "daily_run" in r:
        dwh = r["daily_run"].get("warehouse", {})
        lines.append(
            f"| warehouse on disk after the daily run | {dwh.get('warehouse_bytes', 0) / 1e6:,.1f}"
            " MB |"
        )
    lines += ["", "## Stages", ""]
    lines += _run_table("Full run", full)
    if "daily_run" in r:
        lines += _run_table(f"Daily run (as of {r['daily_run']['as_of_date']})", r["daily_run"])
    dbt = full["stages"]["dbt_build"]
    if dbt.get("models"):
        lines += [
            f"## Slowest dbt models (full run; {top_models} of {len(dbt['models'])})",
            "",
            "| model | full run s | daily run s | peak MB (tree) during | rows (after full run) |",
            "|---|---:|---:|---:|---:|",
        ]
        daily_models = r.get("daily_run", {}).get("stages", {}).get("dbt_build", {})
        daily_models = daily_models.get("models", {})
        table_rows = full.get("warehouse", {}).get("table_rows", {})
        for name, v in list(dbt["models"].items())[:top_models]:
            dm = daily_models.get(name, {})
            rows = table_rows.get(f"main.{name}")
            if r.get("dbt_target", "duckdb") != "duckdb":
                shown = ""  # the models live in the other engine; table_rows are DuckDB's
            else:
                shown = _int(rows) if rows is not None else "view"
            lines.append(
                f"| {name} | {_s(v['execution_time_s'])} | {_s(dm.get('execution_time_s'))} |"
                f" {_mb(v.get('peak_rss_mb'))} | {shown} |"
            )
        lines.append("")
    st = r.get("startup")
    if st:
        cl = st["code_location_load"]
        lines += [
            "## Start-up overheads",
            "",
            "| measure | s |",
            "|---|---:|",
            f"| bare Python start | {_s(st['python_start_s'])} |",
            f"| import dagster | {_s(cl['import_dagster_s'])} |",
            f"| import orchestration.definitions (after dagster) |"
            f" {_s(cl['import_definitions_s'])} |",
            f"| code-location process, spawn to exit | {_s(cl['process_s'])} |",
        ]
        for name, p in st["dbt_parse"].items():
            label = name.replace("_", " ")
            lines.append(f"| dbt parse, {label} ({p['mode']}) | {_s(p['wall_s'])} |")
        for run, mode in st["manifest_reuse"].items():
            lines.append(f"| manifest in the {run.replace('_', ' ')}'s dbt build | {mode} |")
        if spark:
            lines += [
                f"| Spark session ({spark['master']}, Spark {spark['spark_version']}):"
                f" import pyspark | {_s(spark['import_pyspark_s'])} |",
                f"| Spark session: JVM launch and getOrCreate | {_s(spark['session_start_s'])} |",
                f"| Spark session: first query (select 1) | {_s(spark['first_query_s'])} |",
                f"| Spark session: stop | {_s(spark['stop_s'])} |",
                f"| Spark session probe process, spawn to exit | {_s(spark['process_s'])} |",
            ]
        lines.append("")
    if "weight_change" in r:
        w = r["weight_change"]
        slowest = sorted(w["models"].items(), key=lambda kv: -kv[1]["execution_time_s"])
        lines += [
            f"## Weight change: {_s(w['wall_s'], 1)} s (dbt {_s(w['dbt_wall_s'], 1)} s,"
            f" peak {_mb(w['peak_rss_mb'])} MB, as of {w['as_of_date']})",
            "",
            f"{len(w['models'])} models and {w['data_tests']} data tests"
            f" ({_s(w['data_tests_s'], 1)} s summed) re-ran. The slowest models:",
            "",
            "| model | s |",
            "|---|---:|",
        ]
        lines += [f"| {name} | {_s(m['execution_time_s'])} |" for name, m in slowest[:10]]
        lines.append("")
    prof = r.get("profiles")
    if prof and prof.get("skipped"):
        lines += ["## Profiles", "", prof["skipped"] + ".", ""]
    if prof and prof.get("models"):
        lines += ["## EXPLAIN ANALYZE of the slowest models", ""]
        for name, p in prof["models"].items():
            if "error" in p:
                lines.append(f"- `{name}`: {p['error']}")
                continue
            ops = "; ".join(
                f"{o['operator']} {100 * o['share']:.0f}% ({_int(o['rows'])} rows)"
                for o in p["top_operators"][:3]
            )
            scope = f", one batch: {p['batch']}" if p.get("batch") else ""
            lines.append(f"- `{name}` ({_s(p['seconds'])} s re-run{scope}): {ops}")
        if prof.get("raw_scans"):
            lines += ["", "Table models scanning each raw table (views inlined):", ""]
            for raw, models in sorted(prof["raw_scans"].items()):
                lines.append(f"- raw.{raw}: {len(models)} models")
        lines.append("")
    tg = r.get("targets", {})
    if tg:
        lines += ["## Targets (stated for SF10)", "", "| target | value | met |", "|---|---:|---|"]
        for name, t in tg.items():
            value = t.get("value", t.get("value_mb"))
            shown = f"{value:,.0f} MB" if "value_mb" in t else f"{value:.2f}"
            met = {True: "yes", False: "no", None: ""}[t.get("met")]
            lines.append(f"| {name.replace('_', ' ')} | {shown} | {met} |")
        lines.append("")
    for note in r.get("notes", []):
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"
