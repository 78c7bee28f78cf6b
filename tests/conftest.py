"""Shared fixtures: a copy of the hand-made landing folder and an empty warehouse per test."""

from __future__ import annotations

import json
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


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory):
    import datetime as dt

    from orchestration.demo_data.generate import generate
    from tests.helpers import ingest, run_dbt

    root = tmp_path_factory.mktemp("demo")
    landing = root / "landing"
    manifest = generate(
        landing, scale=DEMO_SCALE, seed=DEMO_SEED, end_date=dt.date.fromisoformat(DEMO_AS_OF)
    )
    warehouse = root / "wh" / "pulse.duckdb"
    ingest(landing, warehouse)
    # a first build: its row-level tests check every day, as the Dagster build asks them to
    # (PULSE_TEST_ALL_DAYS, macros/tests/run_window.sql), not only the last week
    run_dbt(["build"], warehouse, DEMO_AS_OF, extra_env={"PULSE_TEST_ALL_DAYS": "1"})
    # what the build ran, read before another dbt command on this warehouse overwrites it
    run_results = json.loads((warehouse.parent / "dbt_target" / "run_results.json").read_text())
    return {
        "landing": landing,
        "warehouse": warehouse,
        "as_of": DEMO_AS_OF,
        "manifest": manifest,
        "run_results": run_results["results"],
    }


def pytest_configure(config):
    """Parse the dbt project once, before pytest-xdist starts its workers: each worker imports
    the Dagster definitions, which would otherwise re-parse a stale manifest at the same time
    and read each other's half-written target/manifest.json."""
    if hasattr(config, "workerinput"):  # a worker: the controller has parsed already
        return
    from orchestration.assets.dbt import ensure_manifest

    ensure_manifest()
