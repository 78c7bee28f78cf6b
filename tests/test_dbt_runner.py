"""The suite's in-process dbt runner (tests/dbt_runner.py): a parsed manifest is handed to
the next command only when a parse would come out the same."""

from __future__ import annotations

import os
from types import SimpleNamespace

from orchestration.manifest import PROJECT_FILES
from tests import dbt_runner
from tests.helpers import query, run_dbt

MODEL = "int_finance_months"


def _parsed(log_dir) -> bool:
    """Whether the dbt command that logged to `log_dir` parsed the project (in full or in
    part): dbt logs its partial-parse verdict, or the full parse's reason, only when it parses."""
    log = (log_dir / "dbt.log").read_text()
    return "partial parsing" in log.lower() or "Unable to do partial parsing" in log


def test_the_second_command_on_the_same_project_parses_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(dbt_runner, "_MANIFESTS", {})
    first, second = tmp_path / "a" / "pulse.duckdb", tmp_path / "b" / "pulse.duckdb"
    run_dbt(["ls", "--select", MODEL], first, "2025-06-30")
    proc = run_dbt(
        ["ls", "--select", MODEL, "--resource-type", "model", "--output", "name"],
        second,
        "2026-01-15",
    )
    assert _parsed(first.parent / "dbt_logs")
    assert not _parsed(second.parent / "dbt_logs")
    assert proc.stdout.splitlines() == [MODEL]
    # what a parse leaves in the command's target folder is there all the same
    assert (second.parent / "dbt_target" / "manifest.json").is_file()


def test_a_changed_project_file_or_vars_parse_again(tmp_path):
    argv = ["ls", "--project-dir", str(tmp_path), "--vars", '{"a": 1}']
    (tmp_path / "models").mkdir()
    for name in PROJECT_FILES:
        (tmp_path / name).write_text("")
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1")
    key = dbt_runner._cache_key(argv)
    assert dbt_runner._cache_key(argv) == key
    assert dbt_runner._cache_key([*argv[:-1], '{"a": 2}']) != key
    newer = model.stat().st_mtime + 5
    os.utime(model, (newer, newer))  # the file edited
    assert dbt_runner._cache_key(argv) != key


def test_an_environment_variable_the_parse_read_must_be_unchanged():
    manifest = SimpleNamespace(
        env_vars={"PULSE_X": "1", "PULSE_Y": dbt_runner.DEFAULT_ENV_PLACEHOLDER}
    )
    assert dbt_runner._same_environment(manifest, {"PULSE_X": "1"})
    assert not dbt_runner._same_environment(manifest, {"PULSE_X": "2"})
    assert not dbt_runner._same_environment(manifest, {})
    # read through its default at parse time, set now: the parse would differ
    assert not dbt_runner._same_environment(manifest, {"PULSE_X": "1", "PULSE_Y": "y"})


def test_the_warehouse_is_released_after_each_command(tmp_path):
    """dbt-duckdb keeps its DuckDB instance open for the whole process; the runner closes it,
    so the test can open the file read-only (another configuration) right after a build."""
    warehouse = tmp_path / "wh" / "pulse.duckdb"
    run_dbt(["seed", "--select", "exchange_rates"], warehouse, "2025-06-30")
    assert query(warehouse, "select count(*) > 0 from exchange_rates") == [(True,)]
