"""Shared fixtures: a copy of the hand-made landing folder and an empty warehouse per test."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

FIXTURES = Path(__file__).parent / "fixtures"

# Usage events arrive as Parquet. The file is written here from literal rows (a binary fixture
# would not be reviewable); E006 lacks its required event_type and is quarantined.
USAGE_EVENTS_SQL = """
copy (
    select * from (values
        ('E001', 'C001', 'u1', 'login',            null,        '2025-01-10T09:00:00Z'),
        ('E002', 'C001', 'u1', 'feature_used',     'reports',   '2025-01-10T09:05:00Z'),
        ('E003', 'C002', 'u7', 'login',            null,        '2025-01-11T10:00:00Z'),
        ('E004', 'C002', 'u7', 'webinar_attended', null,        '2025-01-12T16:00:00Z'),
        ('E005', 'C003', 'u9', 'login',            null,        '2025-01-12T07:30:00+02:00'),
        ('E006', 'C003', 'u9', null,               'dashboard', '2025-01-13T07:30:00Z')
    ) as t(event_id, customer_id, user_id, event_type, feature, occurred_at)
) to '{path}' (format parquet)
"""


def write_usage_events(landing: Path) -> Path:
    path = landing / "usage_events" / "2025-01.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.sql(USAGE_EVENTS_SQL.format(path=path))
    return path


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    target = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", target)
    write_usage_events(target)
    return target


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "pulse.duckdb"


# Demo data shared by every test that checks marts against an independent computation:
# generated once per session (small scale, fixed seed and end date), ingested, dbt-built.
DEMO_SCALE = 0.03
DEMO_SEED = 7
DEMO_AS_OF = "2026-06-30"


def _session_dir(tmp_path_factory) -> Path:
    """A folder every process of this pytest session sees: under pytest-xdist each worker has
    its own base temp folder inside one session folder, the parent."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build_demo(root: Path) -> None:
    import datetime as dt

    from tests.helpers import ingest, run_dbt
    from tools.demo_data.generate import generate

    shutil.rmtree(root, ignore_errors=True)  # what a failed build left behind
    generate(
        root / "landing",
        scale=DEMO_SCALE,
        seed=DEMO_SEED,
        end_date=dt.date.fromisoformat(DEMO_AS_OF),
    )
    warehouse = root / "wh" / "pulse.duckdb"
    ingest(root / "landing", warehouse)
    # a first build: its row-level tests check every day, as the Dagster build asks them to
    # (PULSE_TEST_ALL_DAYS, macros/tests/run_window.sql), not only the last week
    run_dbt(
        ["build"], warehouse, DEMO_AS_OF, extra_env={"PULSE_TEST_ALL_DAYS": "1"}, unit_tests=True
    )
    (root / "built").touch()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory):
    """The demo warehouse, built once per session whichever worker asks first (a `dbt build`
    takes minutes; the others wait on the lock), then copied to this worker: a DuckDB file
    open for writing in one process cannot be opened by another, and tests here open it for
    writing (publishing attaches the serving file). The landing folder is shared: read only."""
    from filelock import FileLock

    shared = _session_dir(tmp_path_factory) / "demo_shared"
    with FileLock(str(shared) + ".lock"):
        if not (shared / "built").exists():
            _build_demo(shared)
    own = tmp_path_factory.mktemp("demo") / "wh"
    shutil.copytree(shared / "wh", own, ignore=shutil.ignore_patterns("dbt_logs"))
    return {
        "landing": shared / "landing",
        "warehouse": own / "pulse.duckdb",
        "as_of": DEMO_AS_OF,
        "manifest": json.loads((shared / "landing" / "_manifest.json").read_text()),
        # what the build ran (dbt's run results of that build, copied with its folder)
        "run_results": json.loads((own / "dbt_target" / "run_results.json").read_text())["results"],
    }


# The slowest files first, in the order pytest-xdist hands files to its workers (`make test`:
# --dist loadfile --no-loadscope-reorder; xdist's default order is by test count, which put
# a few-test slow file near the end, alone on one worker). The pipeline's Dagster run starts
# at once on one worker and the other builds the shared demo warehouse (the next file uses
# it); the small files come last and even out the end. Durations: `make test` prints the
# slowest. (The Spark file runs in `make test-spark`, the benchmark harness's end-to-end run in
# `make test-bench`, each on its own.)
SLOW_FILES = (
    "test_pipeline.py",
    "test_metrics_independent.py",
    "test_faults.py",
    "test_health_incremental.py",
    "test_unknown_currency.py",
    "test_health_config.py",
    "test_fully_loaded_cac.py",
    "test_staging_incremental.py",
    "test_vendor_landing_marts.py",
    "test_identity_resolution.py",
    "test_run_window.py",
    "test_latest_version_rule.py",
    "test_revenue_from_payments.py",
    "test_backfill.py",
    "test_finance_marts.py",
    "test_health_monotonicity.py",
    "test_health_demo.py",
    "test_quality_suites.py",
    "test_profiles.py",
    "test_source_freshness.py",
)


def pytest_collection_modifyitems(config, items):
    """Slowest files first; the others after them in their usual order (the sort is stable,
    so the tests of a file keep theirs)."""
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_configure(config):
    """Parse the dbt project when stale, once, before pytest-xdist starts its workers: each
    worker imports the Dagster definitions, which read target/manifest.json and never parse
    it (two workers parsing at once read each other's half-written file). Then the session's
    parse state, which every test's dbt command starts from (tests/helpers.py); the workers
    inherit its path through the environment."""
    if hasattr(config, "workerinput"):  # a worker: the controller has parsed already
        return
    import tempfile

    from orchestration.manifest import prepare_manifest
    from tests.helpers import PARSE_STATE_ENV, parse_state

    prepare_manifest()
    folder = Path(tempfile.mkdtemp(prefix="pulse-parse-state-"))
    parse_state(folder)
    os.environ[PARSE_STATE_ENV] = str(folder)
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
