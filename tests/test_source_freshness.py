"""dbt source freshness on the raw tables: thresholds from dbt_project.yml (daily exports warn
after 36 h and fail after 72 h without a new load), measured on `_loaded_at`, the loader's
load time. Ages are set by hand on a freshly loaded fixture warehouse."""

from __future__ import annotations

import json

import duckdb

from tests.helpers import ingest, run_dbt

# The raw tables with a freshness threshold (dbt_project.yml; pulse_meta has none).
RAW_TABLES = (
    "customers",
    "subscriptions",
    "invoices",
    "payments",
    "payment_reminders",
    "survey_responses",
    "support_tickets",
    "usage_events",
    "marketing_spend",
    "costs",
)


def _freshness(warehouse, selection: list[str]) -> tuple[int, dict[str, str]]:
    output = warehouse.parent / "sources.json"
    args = ["source", "freshness", "--select", *selection, "--output", str(output)]
    proc = run_dbt(args, warehouse, "2025-06-30", check=False)
    results = json.loads(output.read_text())["results"]
    return proc.returncode, {r["unique_id"].split(".", 2)[2]: r["status"] for r in results}


def test_freshness_passes_warns_and_fails_by_age_of_the_newest_load(landing, warehouse):
    ingest(landing, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        # billing.invoices: loaded just now (age ~0 h: pass)
        con.execute("update raw.customers set _loaded_at = _loaded_at - interval 48 hour")
        con.execute("update raw.support_tickets set _loaded_at = _loaded_at - interval 96 hour")
    finally:
        con.close()
    selection = ["source:billing.invoices", "source:crm.customers", "source:support"]
    returncode, statuses = _freshness(warehouse, selection)
    assert statuses == {
        "billing.invoices": "pass",
        "crm.customers": "warn",  # 48 h: past 36, before 72
        "support.support_tickets": "error",  # 96 h: past 72
    }
    assert returncode != 0  # a stale source fails the command


def test_the_refresh_job_runs_source_freshness_as_a_warning(
    landing, warehouse, monkeypatch, tmp_path
):
    """The refresh job's `dbt_source_freshness` check: one result per raw table, passing when
    fresh; a stale table fails the check with severity WARN (never blocking), whether dbt
    says warn or error, with its age and dbt's verdict. `pulse run`'s summary and `pulse
    status` report it."""
    from dagster import AssetKey, AssetSelection, DagsterInstance, Definitions, define_asset_job

    from orchestration import cli
    from orchestration.assets.ingestion import ingestion_assets
    from orchestration.checks.source_freshness import CHECK_NAME, source_freshness_check
    from orchestration.resources import build_resources

    ingest(landing, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        # two minutes short of 48 h and 96 h: the ages print as 48.0 and 96.0 h for up to
        # five minutes of dbt run time
        con.execute("update raw.customers set _loaded_at = _loaded_at - interval 2878 minute")
        con.execute("update raw.support_tickets set _loaded_at = _loaded_at - interval 5758 minute")
    finally:
        con.close()
    monkeypatch.setenv("PULSE_WAREHOUSE", str(warehouse))
    defs = Definitions(
        assets=ingestion_assets,
        asset_checks=[source_freshness_check],
        jobs=[
            # the refresh job's name: `pulse status` reports that job's last run
            define_asset_job(
                cli.REFRESH_JOB, selection=AssetSelection.checks(source_freshness_check)
            )
        ],
        resources=build_resources(),
    )
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    result = defs.resolve_job_def(cli.REFRESH_JOB).execute_in_process(
        instance=DagsterInstance.get()
    )
    assert result.success
    evaluations = {e.asset_key: e for e in result.get_asset_check_evaluations()}
    # every source with a threshold: the ten raw tables, not the loader's bookkeeping
    assert set(evaluations) == {AssetKey(["raw", s]) for s in RAW_TABLES}
    assert all(e.check_name == CHECK_NAME for e in evaluations.values())
    stale = {k.path[1]: e for k, e in evaluations.items() if not e.passed}
    # costs: the fixture has no accounting export, so the table was never loaded
    assert set(stale) == {"customers", "support_tickets", "costs"}
    customers = evaluations[AssetKey(["raw", "customers"])]
    tickets = evaluations[AssetKey(["raw", "support_tickets"])]
    assert customers.severity.value == tickets.severity.value == "WARN"
    assert customers.metadata["dbt_status"].value == "warn"
    assert tickets.metadata["dbt_status"].value == "error"
    assert customers.metadata["hours_since_newest_load"].value == 48.0
    assert tickets.metadata["failed_warnings"].value.startswith("dbt source freshness error (96.")
    assert "error after 72 hours" in tickets.metadata["failed_warnings"].value
    assert stale["costs"].metadata["failed_warnings"].value == (
        "dbt source freshness error (no row ever loaded; error after 45 days)"
    )
    invoices = evaluations[AssetKey(["raw", "invoices"])]
    assert invoices.passed and invoices.metadata["dbt_status"].value == "pass"
    stale_lines = [
        "  raw/costs: dbt source freshness error (no row ever loaded; error after 45 days)",
        "  raw/customers: dbt source freshness warn (48.0 h since the newest load;"
        " warn after 36 hours)",
        "  raw/support_tickets: dbt source freshness error (96.0 h since the newest load;"
        " error after 72 hours)",
    ]
    # `pulse run`'s summary
    assert cli.check_lines(result) == [
        "dbt source freshness: 7 of 10 raw tables fresh, 3 stale (warning only)",
        *stale_lines,
    ]
    # `pulse status`: the last run of the refresh job in $DAGSTER_HOME
    status = cli._last_run_lines()
    assert status[0].startswith(f"Last run: {result.run_id[:8]} success")
    assert status[1:] == [
        "  dbt source freshness: 7 of 10 raw tables fresh, 3 stale (warning only)",
        *("  " + line for line in stale_lines),
    ]


def test_a_busy_warehouse_makes_source_freshness_warn_not_fail(warehouse, monkeypatch):
    """Another writer holds the warehouse past the lock timeout: the check reports every
    source as not measured (WARN) and the run still succeeds."""
    import fcntl

    from dagster import AssetSelection, Definitions, define_asset_job

    from orchestration.assets.ingestion import ingestion_assets
    from orchestration.checks.source_freshness import source_freshness_check
    from orchestration.resources import build_resources
    from orchestration.warehouse import lock_path

    monkeypatch.setenv("PULSE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("PULSE_LOCK_TIMEOUT", "1")
    warehouse.parent.mkdir(parents=True)
    defs = Definitions(
        assets=ingestion_assets,
        asset_checks=[source_freshness_check],
        jobs=[define_asset_job("f", selection=AssetSelection.checks(source_freshness_check))],
        resources=build_resources(),
    )
    with open(lock_path(warehouse), "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = defs.resolve_job_def("f").execute_in_process()
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len(RAW_TABLES)
    for evaluation in evaluations:
        assert not evaluation.passed and evaluation.severity.value == "WARN"
        assert evaluation.metadata["failed_warnings"].value == (
            "dbt source freshness did not measure it"
        )
