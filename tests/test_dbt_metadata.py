"""Dagster metadata of the dbt assets without a pipeline run: the row counts and columns read
from the warehouse after dbt, and the BI marts' freshness policy settings."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from dagster import AssetKey, AssetMaterialization, Output

from orchestration.assets.dbt_metadata import bi_freshness_policy, with_table_metadata


def _node(name: str, materialized: str, columns: dict | None = None) -> dict:
    return {
        "unique_id": f"model.pulse.{name}",
        "name": name,
        "alias": name,
        "schema": "main",
        "config": {"materialized": materialized},
        "columns": columns or {},
    }


def test_tables_get_row_count_and_built_columns_views_do_not(tmp_path):
    warehouse = tmp_path / "pulse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create table fct_a (month date, n bigint)")
    con.execute("insert into fct_a values ('2025-01-01', 1), ('2025-02-01', 2), (null, 3)")
    con.execute("create table empty_b (x varchar)")
    con.execute("create view stg_c as select 1 as y")
    con.close()
    manifest = {
        "nodes": {
            n["unique_id"]: n
            for n in (
                _node("fct_a", "table", {"month": {"description": "The month."}}),
                _node("empty_b", "incremental"),
                _node("stg_c", "view"),
            )
        }
    }
    events = [
        Output(None, output_name=name, metadata={"unique_id": f"model.pulse.{name}"})
        for name in ("fct_a", "empty_b", "stg_c")
    ]
    out = {
        e.output_name: {k: getattr(v, "value", v) for k, v in e.metadata.items()}
        for e in with_table_metadata(events, warehouse, manifest)
    }
    assert out["fct_a"]["dagster/row_count"] == 3
    schema = out["fct_a"]["dagster/column_schema"]
    assert [(c.name, c.type, c.description) for c in schema.columns] == [
        ("month", "date", "The month."),
        ("n", "bigint", None),
    ]
    assert out["empty_b"]["dagster/row_count"] == 0
    assert "dagster/row_count" not in out["stg_c"]
    # the file was closed again: a writer can open it
    duckdb.connect(str(warehouse)).close()


def test_a_failed_dbt_run_still_yields_its_events_then_raises(tmp_path):
    warehouse = tmp_path / "pulse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create table fct_a as select 1 as x")
    con.close()
    manifest = {"nodes": {"model.pulse.fct_a": _node("fct_a", "table")}}

    def events():
        yield AssetMaterialization(AssetKey(["fct_a"]), metadata={"unique_id": "model.pulse.fct_a"})
        raise RuntimeError("dbt failed")

    out = []
    with pytest.raises(RuntimeError, match="dbt failed"):
        for event in with_table_metadata(events(), warehouse, manifest):
            out.append(event)
    assert out[0].metadata["dagster/row_count"].value == 1


def test_bi_freshness_policy_from_the_environment(monkeypatch):
    policy = bi_freshness_policy()
    assert policy.warn_window.to_timedelta() == dt.timedelta(hours=24)
    assert policy.fail_window.to_timedelta() == dt.timedelta(hours=26)
    monkeypatch.setenv("PULSE_BI_FRESHNESS_WARN_HOURS", "6")
    monkeypatch.setenv("PULSE_BI_FRESHNESS_FAIL_HOURS", "12.5")
    policy = bi_freshness_policy()
    assert policy.warn_window.to_timedelta() == dt.timedelta(hours=6)
    assert policy.fail_window.to_timedelta() == dt.timedelta(hours=12, minutes=30)
    monkeypatch.setenv("PULSE_BI_FRESHNESS_WARN_HOURS", "13")
    with pytest.raises(ValueError, match="must be below"):
        bi_freshness_policy()
    monkeypatch.setenv("PULSE_BI_FRESHNESS_WARN_HOURS", "soon")
    with pytest.raises(ValueError, match="number of hours"):
        bi_freshness_policy()


def test_dbt_progress_is_printed_while_dbt_runs_and_not_again_at_its_end():
    """The dbt step holds its events until dbt exits; its progress callback logs every tenth
    model as dbt emits it, and the pulse_progress logger prints those lines instead of the
    ones it would print when the held materializations arrive."""
    import io
    import logging
    from types import SimpleNamespace

    from orchestration.progress import ProgressHandler, dbt_progress

    out = io.StringIO()
    handler = ProgressHandler(stream=out, dbt_total=12)

    def record(message: str = "", event=None) -> logging.LogRecord:
        rec = logging.LogRecord("pulse_progress", logging.INFO, "", 0, message, None, None)
        rec.dagster_meta = {"orig_message": message, "dagster_event": event}
        return rec

    class Log:
        def info(self, message: str) -> None:
            handler.emit(record(message))

    on_event = dbt_progress(Log(), 12)
    events = [
        Output(
            None,
            output_name=f"m{i}",
            metadata={"unique_id": f"model.pulse.m{i}", "Execution Duration": float(i % 5)},
        )
        for i in range(12)
    ]
    for event in events:
        on_event(event)
    live = out.getvalue().splitlines()
    assert [line.split(" ", 1)[1] for line in live] == [
        "dbt: 10/12 models and seeds built (slowest so far: m4 4.0s)",
        "dbt: 12/12 models and seeds built (slowest so far: m4 4.0s)",
    ]
    # the held materializations reach the logger at the end of the step: counted, not printed
    for i in range(12):
        materialization = SimpleNamespace(
            asset_key=AssetKey([f"m{i}"]),
            metadata={"Execution Duration": SimpleNamespace(value=float(i % 5))},
        )
        event = SimpleNamespace(
            event_type_value="ASSET_MATERIALIZATION",
            step_key="pulse_dbt_models",
            event_specific_data=SimpleNamespace(materialization=materialization),
        )
        handler.emit(record(event=event))
    assert out.getvalue().splitlines() == live
    assert handler.dbt_done == 12
