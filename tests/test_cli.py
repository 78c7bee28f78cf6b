"""The `pulse` command: its entry point in pyproject, and each subcommand's effect, without
starting servers or the whole pipeline (the long-running tools are replaced by a recorder)."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import sys
import tomllib
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    Definitions,
    Failure,
    RetryRequested,
    asset,
    asset_check,
    define_asset_job,
)

from orchestration import cli
from orchestration.assets.retries import retry_when_busy
from orchestration.config import PROJECT_ROOT
from orchestration.ingest.schema import ensure_schema
from orchestration.warehouse import WarehouseBusy, connect_writer


def test_pyproject_declares_the_pulse_console_script():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    target = project["project"]["scripts"]["pulse"]
    assert target == "orchestration.cli:main"
    module, _, name = target.partition(":")
    assert getattr(importlib.import_module(module), name) is cli.main
    # only Pulse's own package is installed
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == ["orchestration*"]


@pytest.fixture
def recorded(monkeypatch):
    """The commands `pulse` would start, instead of starting them."""
    calls = []

    def fake_exec(cmd, env=None):
        calls.append((cmd, env))
        return 0

    monkeypatch.setattr(cli, "_exec", fake_exec)
    return calls


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("PULSE_WAREHOUSE", str(tmp_path / "wh" / "pulse.duckdb"))
    monkeypatch.setenv("PULSE_SERVING_DIR", str(tmp_path / "serving"))
    monkeypatch.setenv("PULSE_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("PULSE_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("PULSE_AS_OF_DATE", "2025-06-30")
    return tmp_path


def test_ui_starts_dagster_dev_on_localhost_with_pulses_instance(env, recorded):
    assert cli.main(["ui", "--port", "3001"]) == 0
    [(cmd, cmd_env)] = recorded
    assert cmd[0].endswith("dagster")
    assert cmd[1:] == ["dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", "3001"]
    assert cmd_env["DAGSTER_HOME"] == str(env / "dagster_home")
    # the writer pool's limit comes with the instance, also without `make install`
    assert (env / "dagster_home" / "dagster.yaml").read_text() == (
        PROJECT_ROOT / "orchestration" / "dagster.yaml"
    ).read_text()


def test_docs_generates_the_static_site_then_serves_it_on_localhost(env, recorded):
    assert cli.main(["docs", "--port", "8081"]) == 0
    (generate, gen_env), (serve, _) = recorded
    assert generate[1:4] == ["docs", "generate", "--static"]
    assert gen_env["PULSE_WAREHOUSE"] == str(env / "wh" / "pulse.duckdb")
    assert serve[1:3] == ["docs", "serve"]
    assert serve[serve.index("--host") + 1] == "127.0.0.1"
    assert serve[serve.index("--port") + 1] == "8081"
    assert "--no-browser" in serve


def test_docs_no_serve_only_generates(env, recorded):
    assert cli.main(["docs", "--no-serve"]) == 0
    assert [cmd[1:3] for cmd, _ in recorded] == [["docs", "generate"]]


def test_fit_weights_reads_the_configured_warehouse_unless_told(env, monkeypatch):
    from orchestration.health import fit_weights

    seen = []
    monkeypatch.setattr(fit_weights, "main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["fit-weights", "--l2", "2"]) == 0
    assert cli.main(["fit-weights", "--warehouse", "/elsewhere.duckdb"]) == 0
    assert seen == [
        ["--warehouse", str(env / "wh" / "pulse.duckdb"), "--l2", "2"],
        ["--warehouse", "/elsewhere.duckdb"],
    ]


def test_run_rejects_a_malformed_as_of_date(env, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "--as-of", "2025-13-01"])
    assert exit_.value.code == 2
    assert "not a date (YYYY-MM-DD): '2025-13-01'" in capsys.readouterr().err


def _a_failed_refresh_run(instance: DagsterInstance) -> None:
    """A two-asset stand-in for the refresh job, under its name: one check fails, one step
    fails."""

    @asset
    def fct_orders():
        return 1

    @asset_check(asset=fct_orders)
    def orders_not_empty():
        return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR)

    @asset(deps=[fct_orders])
    def serving():
        raise Failure(description="the serving copy could not be written")

    job = define_asset_job(cli.REFRESH_JOB)
    defs = Definitions(assets=[fct_orders, serving], asset_checks=[orders_not_empty], jobs=[job])
    result = defs.resolve_job_def(cli.REFRESH_JOB).execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert not result.success


def test_status_names_the_last_run_its_failures_and_the_ledger(env, capsys):
    (env / "dagster_home").mkdir()
    with DagsterInstance.get() as instance:
        _a_failed_refresh_run(instance)
    with connect_writer(env / "wh" / "pulse.duckdb") as con:
        ensure_schema(con)
        for file_id, status, read, loaded, quarantined in (
            (1, "loaded", 10, 8, 2),
            (2, "loaded", 5, 5, 0),
            (3, "rejected", 0, 0, 0),
        ):
            con.execute(
                "insert into pulse_meta.load_ledger (file_id, run_id, source, file_path,"
                " file_size, content_hash, status, rows_read, rows_loaded, rows_quarantined,"
                " loaded_at) values (?, 'r1', 'customers', ?, 1, 'h', ?, ?, ?, ?, now())",
                [file_id, f"customers/{file_id}.csv", status, read, loaded, quarantined],
            )
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Last run: " in out and " failure, started " in out
    assert "step serving failed: the serving copy could not be written" in out
    assert "check orders_not_empty on fct_orders failed (ERROR)" in out
    assert "Landing files: 2 loaded, 1 rejected; rows: 15 read = 13 loaded + 2 quarantined" in out
    assert "Pulse, as of 2025-06-30" in out


def test_status_without_history_says_so(env, capsys):
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Last run: no Dagster run history" in out
    assert f"No warehouse yet at {env / 'wh' / 'pulse.duckdb'}" in out


# -- the as-of date and the landing folder as run configuration ------------------------


def test_run_config_overrides_the_environment_and_empty_keeps_it(env):
    from orchestration.resources import PulseSettings

    assert PulseSettings().get().as_of_date == dt.date(2025, 6, 30)  # PULSE_AS_OF_DATE
    configured = PulseSettings(as_of_date="2025-06-01", landing_dir=str(env / "other")).get()
    assert configured.as_of_date == dt.date(2025, 6, 1)
    assert configured.landing_dir == env / "other"
    with pytest.raises(ValueError, match="run config as_of_date must be YYYY-MM-DD"):
        PulseSettings(as_of_date="June 1st").get()


def test_a_run_with_as_of_in_its_run_config_uses_that_date(env):
    """The launchpad's run config, on the real refresh job: only the landing preflight runs
    (the cheapest asset), and it reports the date and folder the run used."""
    from orchestration.definitions import defs
    from orchestration.resources import run_config_for

    landing = env / "landing2"
    (landing / "customers").mkdir(parents=True)
    job = defs.resolve_job_def(cli.REFRESH_JOB)
    # the launchpad shows the fields: resources.pulse.config.as_of_date / landing_dir
    fields = job.run_config_schema.config_type.fields["resources"].config_type.fields
    assert {"as_of_date", "landing_dir"} <= set(
        fields["pulse"].config_type.fields["config"].config_type.fields
    )
    result = job.execute_in_process(
        run_config=run_config_for(as_of_date="2025-06-01", landing_dir=str(landing)),
        asset_selection=[AssetKey("landing")],
        instance=DagsterInstance.ephemeral(),
    )
    metadata = result.asset_materializations_for_node("landing")[-1].metadata
    assert metadata["as_of_date"].value == "2025-06-01"  # not PULSE_AS_OF_DATE's 2025-06-30
    assert metadata["landing_dir"].value == str(landing)


def test_pulse_run_passes_as_of_and_landing_as_run_config(env, monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(cli, "run_pipeline", lambda **kw: seen.append(kw) or True)
    monkeypatch.chdir(env)
    assert cli.main(["run", "--as-of", "2025-06-01", "--landing", "mine"]) == 0
    assert seen == [{"as_of": "2025-06-01", "landing": str(env / "mine")}]
    assert "Pulse, as of 2025-06-01" in capsys.readouterr().out


# -- a busy warehouse is retried later in the run ----------------------------------------


class _Context:
    def __init__(self, retry_number: int):
        self.retry_number = retry_number
        self.log = logging.getLogger("test")


def _busy(context):
    with retry_when_busy(context):
        raise WarehouseBusy("wh.duckdb is held open by duckdb (PID 42)")


def test_a_busy_warehouse_asks_for_a_retry_until_the_retries_are_used(monkeypatch):
    monkeypatch.delenv("PULSE_BUSY_RETRIES", raising=False)
    monkeypatch.setenv("PULSE_BUSY_RETRY_SECONDS", "30")
    for attempt in (0, 1):
        with pytest.raises(RetryRequested) as retry:
            _busy(_Context(attempt))
        assert (retry.value.max_retries, retry.value.seconds_to_wait) == (2, 30)
    with pytest.raises(Failure) as failed:
        _busy(_Context(2))
    assert failed.value.description == "WarehouseBusy: wh.duckdb is held open by duckdb (PID 42)"
    assert failed.value.allow_retries is False


def test_no_retries_fails_at_once(monkeypatch):
    monkeypatch.setenv("PULSE_BUSY_RETRIES", "0")
    with pytest.raises(Failure, match="PID 42"):
        _busy(_Context(0))


def test_other_errors_are_not_retried():
    with pytest.raises(ZeroDivisionError), retry_when_busy(_Context(0)):
        1 / 0  # noqa: B018


# -- progress lines -------------------------------------------------------------------


def test_progress_prints_a_line_per_step_with_rows_and_failed_checks(capsys):
    from dagster import MaterializeResult, colored_console_logger

    from orchestration.progress import progress_logger

    @asset(key=["raw", "customers"])
    def raw_customers():
        return MaterializeResult(
            metadata={
                "files_new": 2,
                "rows_loaded": 1200,
                "rows_quarantined": 3,
                "files_rejected": 1,
            }
        )

    @asset_check(asset=raw_customers)
    def customers_unique():
        return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR)

    job = define_asset_job(cli.REFRESH_JOB)
    defs = Definitions(
        assets=[raw_customers],
        asset_checks=[customers_unique],
        jobs=[job],
        loggers={"console": colored_console_logger, "pulse_progress": progress_logger},
    )
    defs.resolve_job_def(cli.REFRESH_JOB).execute_in_process(
        run_config={"loggers": {"pulse_progress": {}}}, instance=DagsterInstance.ephemeral()
    )
    lines = [line[9:] for line in capsys.readouterr().out.splitlines()]  # after "HH:MM:SS "
    assert "start raw__customers" in lines
    done = [line for line in lines if line.startswith("done   raw__customers (")]
    assert len(done) == 1
    assert done[0].endswith(": 2 new file(s), 1,200 rows loaded, 3 quarantined, 1 file(s) rejected")
    assert "check customers_unique on raw/customers failed (ERROR)" in lines


def test_a_runs_printed_output_goes_to_its_file_and_progress_lines_to_the_terminal(
    tmp_path, capsys
):
    """dagster-dbt echoes dbt's every log line to standard output: during `pulse run` those
    lines go to the run's output file, the progress lines still reach the terminal."""
    from orchestration.progress import ProgressHandler, run_output_to

    output = tmp_path / "logs" / "run.log"
    with run_output_to(output):
        print("12 of 900 OK created sql table model main.fct_nps_monthly")
        ProgressHandler()._print("done   dbt")
    terminal = capsys.readouterr().out
    assert terminal.endswith(" done   dbt\n") and "fct_nps_monthly" not in terminal
    assert output.read_text() == "12 of 900 OK created sql table model main.fct_nps_monthly\n"
    ProgressHandler()._print("after the run")  # back to standard output
    assert capsys.readouterr().out.endswith(" after the run\n")


def test_the_refresh_job_takes_the_progress_logger():
    from orchestration.definitions import defs

    job = defs.resolve_job_def(cli.REFRESH_JOB)
    loggers = job.run_config_schema.config_type.fields["loggers"].config_type.fields
    assert {"console", "pulse_progress"} <= set(loggers)


# -- the dbt manifest is prepared before the definitions load -----------------------------


class _Prepared(Exception):
    """Stops `pulse run` once the manifest is prepared: the rest is the pipeline."""


def test_pulse_run_parses_a_stale_manifest_before_loading_the_definitions(env, monkeypatch):
    from orchestration import manifest

    parsed = []

    def fake_parse():
        # the definitions would read the manifest at import: they must not be loaded yet
        parsed.append("orchestration.definitions" in sys.modules)
        raise _Prepared

    monkeypatch.delitem(sys.modules, "orchestration.definitions", raising=False)
    monkeypatch.setattr(manifest, "stale_reason", lambda *a, **k: "models/x.sql is newer")
    monkeypatch.setattr(manifest, "parse", fake_parse)
    with pytest.raises(_Prepared):
        cli.main(["run"])
    assert parsed == [False]


def test_pulse_run_leaves_a_fresh_manifest_alone(env, monkeypatch):
    from orchestration import manifest

    parsed = []
    monkeypatch.setattr(manifest, "stale_reason", lambda *a, **k: None)
    monkeypatch.setattr(manifest, "parse", lambda: parsed.append(True))
    # stop where the run would start: after the manifest step and the definitions' import
    monkeypatch.setattr(cli, "_has_dagster_home", lambda: (_ for _ in ()).throw(_Prepared()))
    with pytest.raises(_Prepared):
        cli.main(["run"])
    assert parsed == []


def test_ui_puts_the_venvs_dbt_first_on_path_for_dagster_dev(env, recorded):
    # under `dagster dev`, dagster-dbt parses the project with the `dbt` on PATH
    assert cli.main(["ui"]) == 0
    [(_, cmd_env)] = recorded
    assert cmd_env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)


def test_pulse_run_plain_forces_plain_progress_lines(env, monkeypatch):
    """`--plain` (CI with a pseudo-terminal, a screen reader): no live display, even on a
    terminal; it sets PULSE_PLAIN_PROGRESS, which the progress logger reads."""
    from orchestration.progress import PLAIN_ENV, live_progress_for

    class Terminal:
        def isatty(self):
            return True

    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv(PLAIN_ENV, "0")  # restored after the test; "0": not plain
    assert live_progress_for(Terminal()) is not None
    seen = []
    monkeypatch.setattr(
        cli, "run_pipeline", lambda **kw: seen.append(live_progress_for(Terminal())) or True
    )
    assert cli.main(["run", "--plain"]) == 0
    assert seen == [None]


def test_an_installed_package_finds_the_project_it_is_run_from(tmp_path, monkeypatch):
    """`pip install .` puts the package in site-packages, away from dbt_project.yml: the
    project is then PULSE_PROJECT_DIR, else the current folder when it holds one."""
    import orchestration.config as config

    clone, other = tmp_path / "clone", tmp_path / "elsewhere"
    for folder in (clone, other):
        folder.mkdir()
    (clone / "dbt_project.yml").write_text("name: pulse\n")
    site = tmp_path / "site-packages" / "orchestration" / "config.py"
    site.parent.mkdir(parents=True)
    monkeypatch.setattr(config, "__file__", str(site))
    assert config.project_root(env={}, cwd=clone) == clone.resolve()
    assert config.project_root(env={"PULSE_PROJECT_DIR": str(clone)}, cwd=other) == clone
    # in a checkout the package's own clone wins whatever the current folder
    monkeypatch.undo()
    assert config.project_root(env={}, cwd=other) == config.PROJECT_ROOT
