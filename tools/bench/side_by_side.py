"""Benchmark results of one scale factor on several dbt targets, side by side in Markdown:

    python -m tools.bench --side-by-side benchmarks/results/sf1-duckdb.json \\
        benchmarks/results/sf1-spark.json          # make bench-targets SF=1

The first report is the baseline: with two reports a last column gives the second's times as
a multiple of the first's.
"""

from __future__ import annotations

from tools.bench.report import _mb, _s

# (label, path into a pipeline run's report): the stages both targets share
RUN_ROWS = (
    ("ingestion (DuckDB on both targets)", ("stages", "ingestion", "wall_s")),
    ("GX checks on raw tables", ("stages", "raw_checks", "wall_s")),
    ("dbt build (whole step)", ("stages", "dbt_build", "wall_s")),
    ("&nbsp;&nbsp;dbt nodes, first to last", ("stages", "dbt_build", "nodes_s")),
    ("&nbsp;&nbsp;models (sum of node times)", ("stages", "dbt_build", "models_total_s")),
    (
        "&nbsp;&nbsp;data tests (sum of node times)",
        ("stages", "dbt_build", "data_tests", "total_s"),
    ),
    ("GX checks on marts", ("stages", "mart_checks", "wall_s")),
    ("publish (serving copy)", ("stages", "publish", "wall_s")),
    ("reports (finance workbook, Pulse report)", ("stages", "reports", "wall_s")),
)


def _get(d: dict | None, path: tuple[str, ...]):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _ratio(values: list) -> str:
    if len(values) != 2 or not values[0] or values[1] is None:
        return ""
    return f"{values[1] / values[0]:,.1f}x"


def _disk_mb(run: dict) -> float:
    """The warehouse file, plus on Spark its model tables and the Parquet raw layer."""
    wh = run.get("warehouse", {})
    keys = ("warehouse_bytes", "spark_warehouse_bytes", "raw_parquet_bytes")
    return sum(wh.get(k, 0) for k in keys) / 1e6


def render_side_by_side(reports: list[dict], top_models: int = 15) -> str:
    if len({r["scale_factor"] for r in reports}) != 1:
        raise ValueError("side by side needs reports of one scale factor")
    names = [r.get("dbt_target", "duckdb") for r in reports]
    two = len(reports) == 2
    head = "| measure | " + " | ".join(names) + (f" | {names[1]} / {names[0]} |" if two else " |")
    rule = "|---|" + "---:|" * (len(reports) + (1 if two else 0))

    def row(label: str, values: list, fmt=_s) -> str:
        cells = " | ".join(fmt(v) for v in values)
        return f"| {label} | {cells} |" + (f" {_ratio(values)} |" if two else "")

    first = reports[0]
    lines = [
        f"# Pulse benchmark sf{first['scale_factor']:g}: {' and '.join(names)} side by side",
        "",
        f"Scale factor {first['scale_factor']:g}, seed {first['seed']}, end date"
        f" {first['end_date']}: the same generated data on every target. Times are wall-clock"
        " seconds; memory is the peak resident size of the whole process tree (for Spark, the"
        " JVM's too). One file per target beside this one has every detail.",
        "",
    ]
    for r in reports:
        m = r["machine"]
        lines.append(
            f"- {r.get('dbt_target', 'duckdb')}: started {r['started_at']}, load average at"
            f" start {', '.join(str(x) for x in m['load_average_at_start'])}"
            + ("" if r["settings"]["dbt_data_tests"] else "; dbt data tests SKIPPED")
            + "."
        )
    lines += ["", "## Pipeline", "", head, rule]
    full = [r["full_run"] for r in reports]
    lines.append(row("full pipeline, s", [f["wall_s"] for f in full]))
    for label, path in RUN_ROWS:
        lines.append(row(label, [_get(f, path) for f in full]))
    lines.append(row("peak memory, full run, MB", [f["peak_rss_mb"] for f in full], _mb))
    if all("daily_run" in r for r in reports):
        daily = [r["daily_run"] for r in reports]
        lines.append(row("daily run, s", [d["wall_s"] for d in daily]))
        lines.append(row("&nbsp;&nbsp;dbt build", [_get(d, RUN_ROWS[2][1]) for d in daily]))
        lines.append(
            row(
                "daily run / full run, %",
                [100 * d["wall_s"] / f["wall_s"] for d, f in zip(daily, full, strict=True)],
                lambda x: _s(x, 0),
            )
        )
        lines.append(row("peak memory, daily run, MB", [d["peak_rss_mb"] for d in daily], _mb))
    lines.append(row("data on disk after the full run, MB", [_disk_mb(f) for f in full], _mb))
    lines += ["", "## Start-up", "", head, rule]
    lines.append(
        row(
            "Spark session start-up (pyspark import, JVM and session, first query), s",
            [_get(r, ("startup", "spark_session", "start_to_first_result_s")) for r in reports],
        )
    )
    lines.append(
        row(
            "dbt build: step start to dbt's first log line, full run, s",
            [_get(f, ("stages", "dbt_build", "dbt_process_start_s")) for f in full],
        )
    )
    lines.append(
        row(
            "Dagster code location load, fresh process, s",
            [_get(r, ("startup", "code_location_load", "process_s")) for r in reports],
        )
    )
    lines += [
        "",
        "The Spark session starts inside each dbt invocation (dbt-spark's `session` method),"
        " after dbt's own start-up, so its cost is inside the dbt build above; the row here"
        " is the same session started on its own.",
        "",
    ]
    models = [_get(f, ("stages", "dbt_build", "models")) or {} for f in full]
    slowest = sorted(models[-1], key=lambda m: -models[-1][m]["execution_time_s"])[:top_models]
    if slowest:
        lines += [
            f"## Slowest dbt models on {names[-1]} (full run)",
            "",
            "| model | " + " | ".join(f"{n} s" for n in names) + (" | ratio |" if two else " |"),
            rule,
        ]
        for name in slowest:
            values = [ms.get(name, {}).get("execution_time_s") for ms in models]
            lines.append(row(name, values))
        lines += [
            "",
            "A blank cell: the model is not a node of its own on that target (ephemeral there,"
            " inlined into the models that read it, as the health chain is on DuckDB).",
            "",
        ]
    return "\n".join(lines) + "\n"
