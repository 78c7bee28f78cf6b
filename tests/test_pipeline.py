"""The Dagster code location loads, and the refresh job runs landing -> staging in-process."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from orchestration import cli
from tests.alert_receivers import HookServer, SmtpServer, start
from tests.conftest import FIXTURES, write_usage_events
from tests.test_landing import STRAY_BYTES, STRAYS

AS_OF = "2025-06-30"
DEFAULT_RECIPIENT = "cs-team@example.com"
ALERT_LOOKBACK_DAYS = 730

# Values of files the loader must reject: none may reach the ledger's error text, a mart, the
# serving copy's Parquet, the finance files, the report or the GX Data Docs.
SECRETS = (
    "leak.person@example.org",
    "other.person@example.org",
    "Leak Corp",
    "billing.secret@example.org",
    "hunter2-topsecret",
)
HOSTILE_FILES = {
    # a CRM export without its header row: its first data row would be read as the header
    "customers/2025-03-01_no_header.csv": (
        "C777,Leak Corp,leak.person@example.org,smb,emea,NO,organic,2025-03-01T00:00:00Z\n"
        "C778,Other Corp,other.person@example.org,smb,emea,NO,organic,2025-03-01T00:00:00Z\n"
    ),
    # a quote that never closes: a CSV reader's error text quotes the rows that follow
    "invoices/2025-03_broken.csv": (
        "invoice_id,customer_id,issued_at,due_at,amount,currency,status\n"
        "I500,C001,2025-03-01,2025-03-31,10.00,USD,open\n"
        'I501,C001,2025-03-01,2025-03-31,"10.00,USD,open\n'
        "I502,billing.secret@example.org,2025-03-01,2025-03-31,5.00,USD,open\n"
    ),
}
# a symbolic link to a file outside the landing folder, whose first line is a password
OUTSIDE_LINK = "payments/2025-03_linked.csv"
OUTSIDE_TEXT = "password=hunter2-topsecret\npayment_id,invoice_id,paid_at,amount\n"


@pytest.fixture(scope="module")
def receivers(monkeypatch_module):
    """An SMTP server and a chat webhook on 127.0.0.1, configured as the alert channels."""
    smtp, hook = SmtpServer(), HookServer()
    start(smtp)
    start(hook)
    monkeypatch_module.setenv("PULSE_ALERT_SMTP_URL", smtp.url)
    monkeypatch_module.setenv("PULSE_ALERT_EMAIL_FROM", "pulse@example.com")
    monkeypatch_module.setenv("PULSE_ALERT_EMAIL_TO", DEFAULT_RECIPIENT)
    monkeypatch_module.setenv("PULSE_ALERT_WEBHOOK_URL", hook.url)
    # the fixture's open episodes opened months before its as-of date: all of them are new
    monkeypatch_module.setenv("PULSE_ALERT_LOOKBACK_DAYS", str(ALERT_LOOKBACK_DAYS))
    yield smtp, hook
    smtp.shutdown()
    hook.shutdown()


@pytest.fixture(scope="module")
def pipeline_env(tmp_path_factory, monkeypatch_module, receivers):
    root = tmp_path_factory.mktemp("pipeline")
    landing = root / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    write_usage_events(landing)
    for rel, text in HOSTILE_FILES.items():
        (landing / rel).write_text(text)
    outside = root / "outside" / "secret.csv"
    outside.parent.mkdir()
    outside.write_text(OUTSIDE_TEXT)
    (landing / OUTSIDE_LINK).symlink_to(outside)
    for path, (is_folder, _) in STRAYS.items():
        if is_folder:
            (landing / path).mkdir()
            (landing / path / "2025-03.csv").write_bytes(STRAY_BYTES)
        else:
            (landing / path).write_bytes(STRAY_BYTES)
    monkeypatch_module.setenv("PULSE_LANDING_DIR", str(landing))
    monkeypatch_module.setenv("PULSE_WAREHOUSE", str(root / "wh" / "pulse.duckdb"))
    monkeypatch_module.setenv("PULSE_SERVING_DIR", str(root / "serving"))
    monkeypatch_module.setenv("PULSE_AS_OF_DATE", AS_OF)
    monkeypatch_module.setenv("PULSE_DATA_DOCS_DIR", str(root / "data_docs"))
    monkeypatch_module.setenv("PULSE_REPORTS_DIR", str(root / "reports"))
    return root


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _run(instance, raise_on_error=True):
    from orchestration.definitions import defs

    return defs.resolve_job_def("pulse_refresh").execute_in_process(
        instance=instance, raise_on_error=raise_on_error
    )


def _serving_run_id(root: Path) -> str:
    con = duckdb.connect(str(root / "serving" / "current" / "pulse.duckdb"), read_only=True)
    try:
        return con.execute("select run_id from pulse_run").fetchone()[0]
    finally:
        con.close()


def _q(root: Path, sql: str):
    con = duckdb.connect(str(root / "wh" / "pulse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def first_run(pipeline_env):
    instance = DagsterInstance.ephemeral()
    result = _run(instance)
    return pipeline_env, instance, result


def test_definitions_load_as_one_graph():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    assert AssetKey(["raw", "customers"]) in keys
    assert AssetKey(["stg_crm__customers"]) in keys
    # the dbt source is the ingestion asset: staging hangs off raw/customers
    parents = graph.get(AssetKey(["stg_crm__customers"])).parent_keys
    assert AssetKey(["raw", "customers"]) in parents
    assert defs.resolve_schedule_def("pulse_refresh_schedule") is not None


def test_refresh_job_succeeds(first_run):
    _, _, result = first_run
    assert result.success


def test_ingestion_metadata_counts(first_run):
    _, instance, _ = first_run
    mat = instance.get_latest_materialization_event(AssetKey(["raw", "subscriptions"]))
    meta = mat.asset_materialization.metadata
    assert meta["rows_read"].value == 8
    assert meta["rows_loaded"].value == 5
    assert meta["rows_quarantined"].value == 3


def test_staging_deduplicates_latest_file_wins(first_run):
    root, _, _ = first_run
    rows = _q(root, "select customer_id, segment from stg_crm__customers order by customer_id")
    assert rows == [
        ("C001", "smb"),
        ("C002", "mid_market"),  # re-exported in the later file with a new segment
        ("C003", "mid_market"),
        ("C004", "smb"),
        ("C005", "smb"),
        ("C900", "smb"),  # quarantined first, fixed in the later file
    ]


def test_second_run_changes_nothing(first_run):
    """Loading the same landing folder again loads nothing (the landing check and every
    ingestion asset, as a second run does them; a dbt re-run over the same raw tables is
    tests/test_backfill.py's)."""
    from dagster import materialize

    from orchestration.assets.ingestion import ingestion_assets
    from orchestration.assets.landing import landing_asset
    from orchestration.resources import build_resources

    root, instance, _ = first_run
    before = _q(root, "select count(*) from pulse_meta.load_ledger")[0][0]
    raw_before = _q(root, "select count(*) from raw.customers")[0][0]
    result = materialize(
        [landing_asset, *ingestion_assets], resources=build_resources(), instance=instance
    )
    assert result.success
    # 10 fixture files, the 3 hostile ones and the 5 strays, each recorded once
    assert _q(root, "select count(*) from pulse_meta.load_ledger")[0][0] == before == 18
    assert _q(root, "select count(*) from raw.customers")[0][0] == raw_before == 7
    mat = instance.get_latest_materialization_event(AssetKey(["raw", "customers"]))
    assert mat.asset_materialization.metadata["files_new"].value == 0


def test_a_successful_run_published_the_marts(first_run):
    root, instance, _ = first_run
    assert instance.get_run_by_id(_serving_run_id(root)).is_success
    con = duckdb.connect(str(root / "serving" / "current" / "pulse.duckdb"), read_only=True)
    try:
        files = con.execute(
            "select count(*), bool_and(is_reconciled) from rpt_load_files"
        ).fetchone()
        quarantined = con.execute("select count(*) from rpt_quarantine").fetchone()[0]
    finally:
        con.close()
    assert files == (18, True)
    assert quarantined == 19  # tests/test_ingestion.py EXPECTED_QUARANTINE


def test_finance_workbook_written_from_the_serving_copy(first_run):
    root, _, _ = first_run
    folder = root / "reports" / "finance" / AS_OF
    assert sorted(p.suffix for p in folder.iterdir()) == [".csv", ".csv", ".xlsx"]


def test_gx_checks_ran_with_their_summary(first_run):
    _, _, result = first_run
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    raw = evaluations[("raw/invoices", "gx_raw_quality")]
    assert raw.passed is False  # the fixture data is stale against the as-of date: a warning
    assert raw.severity.value == "WARN"
    assert raw.metadata["failed_warnings"].value == "expect_column_values_to_be_between(newest_at)"
    assert raw.metadata["failed_errors"].value == "none"
    assert raw.metadata["rows_validated"].value == 4
    mart = evaluations[("rpt_quarantine", "gx_mart_quality")]
    assert mart.passed is True
    # GX Data Docs: one HTML site with a page per validated suite
    root, _, _ = first_run
    index = root / "data_docs" / "index.html"
    assert index.exists()
    assert "raw_invoices" in index.read_text()


def test_a_failing_blocking_check_stops_dbt_and_publish(first_run, monkeypatch):
    """A table that lost most of its rows since the last good run fails its GX check (error):
    dbt does not run and the serving copy stays the last good one."""
    root, instance, _ = first_run
    monkeypatch.setenv("PULSE_DATA_DOCS", "off")
    published_before = _serving_run_id(root)
    con = duckdb.connect(str(root / "wh" / "pulse.duckdb"))
    con.execute("delete from raw.customers where customer_id <> 'C001'")  # 7 rows -> 1
    con.close()
    result = _run(instance, raise_on_error=False)
    assert not result.success
    check = next(
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == AssetKey(["raw", "customers"])
    )
    assert check.passed is False and check.severity.value == "ERROR"
    assert "row_count" in check.metadata["failed_errors"].value
    assert result.get_step_success_events() == [] or all(
        ev.step_key != "pulse_dbt_models" for ev in result.get_step_success_events()
    )
    assert _serving_run_id(root) == published_before


def _text_values(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """Every value of a table or Parquet file as text, one string per row."""
    columns = [r[0] for r in con.execute(f"describe select * from {relation}").fetchall()]
    if not columns:
        return []
    row = " || '\x1f' || ".join(f"coalesce(cast(\"{c}\" as varchar), '')" for c in columns)
    return [r[0] for r in con.execute(f"select {row} from {relation}").fetchall()]


def _readable_text(path: Path) -> str:
    """A published file's content as text: decompressed (workbook, Parquet), every cell of a
    DuckDB file, the bytes of anything else."""
    import zipfile

    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as zf:
            return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    if path.suffix == ".parquet":
        con = duckdb.connect()
        try:
            return "\n".join(_text_values(con, f"read_parquet('{path}')"))
        finally:
            con.close()
    if path.suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = [
                r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()
            ]
            return "\n".join(v for t in tables for v in _text_values(con, f'"{t}"'))
        finally:
            con.close()
    return path.read_bytes().decode("utf-8", "replace")


def test_no_value_of_a_rejected_file_reaches_any_output(first_run):
    root, _, _ = first_run
    hostile = (*HOSTILE_FILES, OUTSIDE_LINK)
    statuses = _q(root, "select file_path, status from pulse_meta.load_ledger")
    ledger = {path: status for path, status in statuses if path in hostile}
    assert ledger == {path: "rejected" for path in hostile}
    errors = " ".join(
        e for (e,) in _q(root, "select coalesce(error, '') from pulse_meta.load_ledger")
    )
    outputs = [
        p
        for folder in ("serving", "reports", "data_docs")
        for p in (root / folder).rglob("*")
        if p.is_file() and not p.is_symlink()
    ]
    assert any(p.suffix == ".parquet" for p in outputs)
    assert any(p.suffix == ".xlsx" for p in outputs)
    assert any(p.name == "pulse_report.html" for p in outputs)
    texts = {str(p): _readable_text(p) for p in outputs}
    for secret in SECRETS:
        assert secret not in errors, secret
        leaked = [p for p, text in texts.items() if secret in text]
        assert leaked == [], (secret, leaked)


def _ignored_ledger(root: Path):
    return _q(
        root,
        "select file_path, source, file_format, file_size, content_hash, error,"
        " rows_read, rows_loaded, rows_quarantined"
        " from pulse_meta.load_ledger where status = 'ignored' order by file_path",
    )


def test_strays_get_an_ignored_ledger_row_with_the_reason(first_run):
    root, _, _ = first_run
    rows = {row[0]: row[1:] for row in _ignored_ledger(root)}
    assert sorted(rows) == sorted(STRAYS)
    for path, (is_folder, reason) in STRAYS.items():
        source, fmt, size, sha, error, read, loaded, quarantined = rows[path]
        assert source == path.rstrip("/")
        assert fmt is None
        assert error == reason
        assert (read, loaded, quarantined) == (0, 0, 0)
        if is_folder:
            assert (size, sha) == (0, "")
        else:
            assert size == len(STRAY_BYTES)
            assert len(sha) == 64
        assert "example.com" not in error  # never the content


def test_the_run_output_warns_about_each_stray(first_run):
    root, _, result = first_run
    lines = cli.ignored_lines(result)
    for path, (_, reason) in STRAYS.items():
        assert f"ignored {path} in {root / 'landing'}: {reason}" in lines


def test_strays_show_in_rpt_load_files(first_run):
    root, _, _ = first_run
    con = duckdb.connect(str(root / "serving" / "current" / "pulse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select file_path, status, error, is_reconciled from rpt_load_files"
            " where status = 'ignored' order by file_path"
        ).fetchall()
    finally:
        con.close()
    assert rows == sorted((p, "ignored", reason, True) for p, (_, reason) in STRAYS.items())


def test_strays_are_recorded_once_per_path_but_warned_every_run(first_run):
    from dagster import materialize

    from orchestration.assets.landing import landing_asset
    from orchestration.resources import build_resources

    root, _, _ = first_run
    instance = DagsterInstance.ephemeral()
    result = materialize(
        [landing_asset], resources=build_resources(), instance=instance, raise_on_error=True
    )
    assert len(_ignored_ledger(root)) == len(STRAYS)
    metadata = result.asset_materializations_for_node("landing")[0].metadata
    assert metadata["ignored"].value == len(STRAYS)
    assert metadata["ignored_new"].value == 0
    warnings = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.level == 30 and entry.user_message.startswith("ignored ")
    ]
    assert len(warnings) == len(STRAYS)


def _key(*parts: str) -> str:
    """The documented idempotency key (README "Alerts: delivery"): sha256 over the parts."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def test_new_alerts_reach_each_channel_once(first_run, receivers):
    """The refresh job ends by sending each newly opened alert once per channel: one e-mail
    per recipient (the customer's owner, else the default recipient) and the chat webhook;
    delivering again over the same published marts sends nothing more."""
    from dagster import materialize

    from orchestration.assets.alert_delivery import alert_delivery
    from orchestration.resources import build_resources

    root, instance, _ = first_run
    smtp, hook = receivers
    con = duckdb.connect(str(root / "serving" / "current" / "pulse.duckdb"), read_only=True)
    try:
        # new: open on the as-of date and opened within the lookback
        due = con.execute(
            "select alert_id, coalesce(owner, ?) from fct_health_alert_episodes"
            " where is_open and opened_on >= date '2025-06-30' - to_days(?)",
            [DEFAULT_RECIPIENT, ALERT_LOOKBACK_DAYS],
        ).fetchall()
    finally:
        con.close()
    assert due, "the fixture has no open alert: nothing would be proven"
    expected = sorted(_key(alert, "email", to) for alert, to in due)
    mailed = sorted(
        k.strip()
        for item in smtp.received
        for k in " ".join(item.message["X-Pulse-Alert-Keys"].split()).split(",")
    )
    assert mailed == expected  # each alert once, to its recipient
    assert sorted(r.recipients[0] for r in smtp.received) == sorted({to for _, to in due})
    posted = " ".join(p.json["text"] for p in hook.received)
    assert all(posted.count(alert) == 1 for alert, _ in due)

    messages, posts = len(smtp.received), len(hook.received)
    result = materialize([alert_delivery], resources=build_resources(), instance=instance)
    assert result.success
    assert (len(smtp.received), len(hook.received)) == (messages, posts)


def _materialization(result, key: AssetKey):
    """The materialization of `key` in this run's result (not the instance's latest: later
    tests re-run some assets on the same instance)."""
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    assert len(events) == 1, key
    return events[0].step_materialization_data.materialization


def test_ingestion_assets_carry_row_count_and_column_schema(first_run):
    """Dagster's standard table metadata on each raw table: the rows it holds after the load
    and its columns, the contract's then the loader's lineage columns."""
    from orchestration.contract import SOURCES
    from orchestration.ingest.schema import LINEAGE_COLUMNS

    root, _, result = first_run
    counts = {"customers": 7, "subscriptions": 5}  # the hand-made fixture (tests above)
    for name, rows in counts.items():
        meta = _materialization(result, AssetKey(["raw", name])).metadata
        assert meta["dagster/row_count"].value == rows
    for source in SOURCES:
        meta = _materialization(result, AssetKey(["raw", source.name])).metadata
        names = [c.name for c in meta["dagster/column_schema"].value.columns]
        assert names == [c.name for c in source.columns] + [n for n, _ in LINEAGE_COLUMNS]
        built = _q(
            root,
            "select column_name from information_schema.columns where table_schema = 'raw'"
            f" and table_name = '{source.name}' order by ordinal_position",
        )
        assert names == [c for (c,) in built]


def test_dbt_tables_carry_row_count_and_column_schema(first_run):
    """Each table dbt built (not the views) carries dagster/row_count and its columns as
    built; the counts are those of the warehouse, two of them known by hand."""
    import json

    root, _, result = first_run
    manifest = json.loads((Path(__file__).parents[1] / "target" / "manifest.json").read_text())
    models = {
        n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")
    }
    # 18 ledger rows and 19 quarantined rows (test_a_successful_run_published_the_marts)
    known = {"rpt_load_files": 18, "rpt_quarantine": 19}
    for name, rows in known.items():
        meta = _materialization(result, AssetKey([name])).metadata
        assert meta["dagster/row_count"].value == rows
    counted = 0
    for event in result.get_asset_materialization_events():
        name = event.asset_key.path[-1]
        node = models.get(name)
        if node is None or len(event.asset_key.path) != 1:
            continue
        meta = event.step_materialization_data.materialization.metadata
        if node["config"]["materialized"] == "view":
            assert "dagster/row_count" not in meta, name
            continue
        counted += 1
        (rows,) = _q(root, f'select count(*) from "{node["schema"]}"."{node["alias"]}"')[0]
        assert meta["dagster/row_count"].value == rows, name
        columns = [c.name for c in meta["dagster/column_schema"].value.columns]
        if node["config"].get("contract", {}).get("enforced"):
            # a mart's columns are its contract: the YAML's, in order
            assert columns == list(node["columns"]), name
    assert counted > 50  # every mart and seed, not a handful


def test_dbt_step_logs_its_progress_while_dbt_runs(first_run):
    """The dbt step holds its events until dbt exits (for the row counts) and logs progress
    meanwhile: every tenth model or seed, the last line with all of them built."""
    from orchestration.assets.dbt import pulse_dbt_models
    from orchestration.progress import DBT_PROGRESS_PREFIX

    _, instance, result = first_run
    messages = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.user_message.startswith(DBT_PROGRESS_PREFIX)
    ]
    total = len(pulse_dbt_models.keys)
    assert messages[0].startswith(f"{DBT_PROGRESS_PREFIX}10/{total} models and seeds built")
    assert messages[-1].startswith(f"{DBT_PROGRESS_PREFIX}{total}/{total} models and seeds")


def test_bi_marts_carry_a_freshness_policy():
    """The marts the bi_dashboards exposure names warn after 24 h and fail after 26 h
    without a materialization; the other assets carry no policy."""
    import datetime as dt

    import yaml

    from orchestration.definitions import defs

    exposures = yaml.safe_load(
        (Path(__file__).parents[1] / "models" / "exposures.yml").read_text()
    )["exposures"]
    (bi,) = [e for e in exposures if e["name"] == "bi_dashboards"]
    marts = {ref.split("'")[1] for ref in bi["depends_on"]}
    assert "fct_nps_monthly" in marts and len(marts) == len(bi["depends_on"])
    graph = defs.resolve_asset_graph()
    for name in marts:
        policy = graph.get(AssetKey([name])).freshness_policy
        assert policy is not None, name
        assert policy.fail_window.to_timedelta() == dt.timedelta(hours=26)
        assert policy.warn_window.to_timedelta() == dt.timedelta(hours=24)
    others = [k for k in graph.get_all_asset_keys() if graph.get(k).freshness_policy is not None]
    assert sorted(k.path[-1] for k in others) == sorted(marts)


def test_report_and_workbook_link_their_files(first_run):
    root, _, result = first_run
    report = _materialization(result, AssetKey(["pulse_report"])).metadata
    html = root / "reports" / f"pulse_report_{AS_OF}.html"
    assert report["report_url"].value == html.resolve().as_uri()
    finance = _materialization(result, AssetKey(["finance_reports"])).metadata
    (workbook,) = (root / "reports" / "finance" / AS_OF).glob("*.xlsx")
    assert finance["workbook_url"].value == workbook.resolve().as_uri()


def test_source_freshness_runs_and_only_warns(first_run):
    """dbt source freshness ran in the refresh job: the fixture's tables were loaded just now
    (fresh); it has no accounting export, so raw/costs is stale; the run still succeeded."""
    _, _, result = first_run
    assert result.success
    assert cli.check_lines(result)[-2:] == [
        "dbt source freshness: 9 of 10 raw tables fresh, 1 stale (warning only)",
        "  raw/costs: dbt source freshness error (no row ever loaded; error after 45 days)",
    ]
