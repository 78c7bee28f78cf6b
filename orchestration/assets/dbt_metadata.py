"""Dagster's standard table metadata on the dbt assets, and freshness on the marts BI reads.

Row counts and column schemas: dagster-dbt's own `fetch_row_counts()` and
`fetch_column_metadata()` open the warehouse through a dbt adapter inside the Dagster process
(on DuckDB only after dbt exits), and dbt-duckdb keeps that connection for the process's
lifetime: a read-write handle on the file that the next writer (publishing, the next run's
dbt) would then find locked. So Pulse waits for dbt to exit too, then reads every built
table's `count(*)` and columns in one short read-only connection under the run's writer lock,
and attaches them as `dagster/row_count` and `dagster/column_schema` to the materializations
(views are not counted, as dagster-dbt does not count them: a view's count re-runs its query).

Freshness: the marts the `bi_dashboards` exposure names (models/exposures.yml) carry a Dagster
freshness policy: a warning when the last materialization is older than
PULSE_BI_FRESHNESS_WARN_HOURS (default 24), failing after PULSE_BI_FRESHNESS_FAIL_HOURS
(default 26: a daily run with two hours of slack).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetMaterialization,
    FreshnessPolicy,
    Output,
    TableColumn,
    TableSchema,
    get_dagster_logger,
)

BI_EXPOSURE = "bi_dashboards"
DEFAULT_WARN_HOURS = 24.0
DEFAULT_FAIL_HOURS = 26.0
# dbt materializations whose rows are stored: counting them reads the table, not a query
COUNTED = ("table", "incremental", "seed")
# Dagster's standard metadata keys (the UI shows them as the table's row count and columns)
ROW_COUNT = "dagster/row_count"
COLUMN_SCHEMA = "dagster/column_schema"


def bi_marts(manifest: Mapping[str, Any]) -> set[str]:
    """unique_ids of the models the BI exposure depends on."""
    return {
        node
        for exposure in manifest.get("exposures", {}).values()
        if exposure["name"] == BI_EXPOSURE
        for node in exposure["depends_on"]["nodes"]
    }


def _hours(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of hours, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be more than 0 hours, got {raw!r}")
    return value


def bi_freshness_policy() -> FreshnessPolicy:
    """Dagster's time-window freshness policy for the BI marts (the environment's thresholds)."""
    warn = _hours("PULSE_BI_FRESHNESS_WARN_HOURS", DEFAULT_WARN_HOURS)
    fail = _hours("PULSE_BI_FRESHNESS_FAIL_HOURS", DEFAULT_FAIL_HOURS)
    if warn >= fail:
        raise ValueError(
            "PULSE_BI_FRESHNESS_WARN_HOURS must be below PULSE_BI_FRESHNESS_FAIL_HOURS"
            f" ({warn:g} >= {fail:g})"
        )
    return FreshnessPolicy.time_window(
        fail_window=dt.timedelta(hours=fail), warn_window=dt.timedelta(hours=warn)
    )


def _relation(node: Mapping[str, Any]) -> tuple[str, str]:
    # schema and table without the database: DuckDB names the database after the file, which
    # the manifest may have been parsed with another name for
    return node["schema"], node.get("alias") or node["name"]


def _quoted(schema: str, table: str) -> str:
    return '"' + schema.replace('"', '""') + '"."' + table.replace('"', '""') + '"'


def table_metadata(
    con: duckdb.DuckDBPyConnection, nodes: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """unique_id -> {dagster/row_count, dagster/column_schema} of each manifest node, from one
    count query over all of them and one read of information_schema. The columns are the
    table's as built, with the descriptions of the model's YAML."""
    if not nodes:
        return {}
    ids = sorted(nodes)
    counts_sql = " union all ".join(
        f"select {i} as n, count(*) as row_count from {_quoted(*_relation(nodes[uid]))}"
        for i, uid in enumerate(ids)
    )
    counts = {ids[i]: n for i, n in con.execute(counts_sql).fetchall()}
    built: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns"
        " order by table_schema, table_name, ordinal_position"
    ).fetchall():
        built.setdefault((schema, table), []).append((column, data_type.lower()))
    metadata = {}
    for uid in ids:
        documented = nodes[uid].get("columns", {})
        columns = [
            TableColumn(
                name=name,
                type=data_type,
                description=(documented.get(name) or {}).get("description") or None,
            )
            for name, data_type in built.get(_relation(nodes[uid]), [])
        ]
        metadata[uid] = {ROW_COUNT: counts[uid], COLUMN_SCHEMA: TableSchema(columns=columns)}
    return metadata


def with_table_metadata(
    events: Iterable[Any],
    warehouse: Path,
    manifest: Mapping[str, Any],
    on_event: Callable[[Any], None] | None = None,
) -> Iterator[Any]:
    """The dbt events, held until dbt exits, then each built table's materialization with its
    row count and column schema. A failure to read them is logged and the events go out
    without them: metadata never fails a run. `on_event` sees each event as dbt emits it
    (progress while the events are held)."""
    held, error = [], None
    try:
        for event in events:
            held.append(event)
            if on_event is not None:
                on_event(event)
    except Exception as exc:  # a failed dbt command: its built models still get their counts
        error = exc
    nodes = manifest.get("nodes", {})
    counted = {}
    for event in held:
        if not isinstance(event, (Output, AssetMaterialization)):
            continue
        unique_id = event.metadata.get("unique_id")
        node = nodes.get(unique_id.value) if unique_id is not None else None
        if node is not None and node["config"].get("materialized") in COUNTED:
            counted[node["unique_id"]] = node
    found: dict[str, dict[str, Any]] = {}
    if counted and warehouse.exists():
        try:
            con = duckdb.connect(str(warehouse), read_only=True)
            try:
                found = table_metadata(con, counted)
            finally:
                con.close()
        except Exception as exc:  # a busy file, a table dropped since: never fail the run
            get_dagster_logger().warning(f"dbt tables' row counts not read: {exc}")
    for event in held:
        unique_id = getattr(event, "metadata", {}).get("unique_id")
        extra = found.get(unique_id.value) if unique_id is not None else None
        if extra and isinstance(event, (Output, AssetMaterialization)):
            event = event.with_metadata({**event.metadata, **extra})
        yield event
    if error is not None:
        raise error
