"""Test helpers: build a warehouse from a landing folder without Dagster (faster), and query it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb

from orchestration.config import PROJECT_ROOT
from orchestration.ingest.loader import load_all
from orchestration.parse_state import PARTIAL_PARSE, seed
from orchestration.resources import dbt_command
from orchestration.warehouse import connect_writer
from tests import dbt_runner


def ingest(landing: Path, warehouse: Path, run_id: str = "test") -> list:
    with connect_writer(warehouse) as con:
        return load_all(con, landing, run_id)


# dbt's parse state for this session (conftest.py parses once before the workers start):
# copied into a fresh target folder, it turns each dbt command's ~12 s full parse into a
# partial parse that re-reads only what the command's environment changed.
PARSE_STATE_ENV = "PULSE_TEST_PARSE_STATE"
# dbt re-parses everything when the profile's connection settings change, the warehouse path
# included: dbt runs in the warehouse's folder with this relative path, the same in every test.
WAREHOUSE_NAME = "pulse.duckdb"


# the as-of date of the session's parse: any date will do (pulse_as_of_date() reads the date
# only when dbt executes, so a command on another date re-parses nothing)
PARSE_STATE_AS_OF = "2025-06-30"


def parse_state(folder: Path) -> None:
    """Parse the project once into `folder` (the session's parse state)."""
    cmd = dbt_command("parse", "--quiet", target_path=folder, log_path=folder / "logs")
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PULSE_WAREHOUSE": WAREHOUSE_NAME, "PULSE_AS_OF_DATE": PARSE_STATE_AS_OF}
    subprocess.run(cmd, env=env, check=True, capture_output=True, cwd=folder)


def seed_session_parse_state(target: Path) -> None:
    """Start the dbt command whose target folder is `target` from the session's parse state."""
    if os.environ.get(PARSE_STATE_ENV):
        seed(target, Path(os.environ[PARSE_STATE_ENV]) / PARTIAL_PARSE)


def copy_parse_state(source: Path, warehouse: Path) -> None:
    """Start the next dbt command on `warehouse` from the parse state the last command on
    `source` (another warehouse) saved, in place of the one `warehouse`'s folder holds. It
    spares the re-parse only when the two commands parse alike (e.g. the second of two
    commands with the same --vars, which the session's state was not parsed with); otherwise
    dbt re-parses what changed, as it would anyway."""
    target = warehouse.parent / "dbt_target"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source.parent / "dbt_target" / PARTIAL_PARSE, target / PARTIAL_PARSE)


def _without_unit_tests(args: list[str]) -> list[str]:
    """dbt's unit tests do not read the warehouse's data: the shared demo build runs every one
    of them once (tests/test_production_build.py checks it), the other builds skip them."""
    if args[0] not in ("build", "test") or any("resource-type" in a for a in args):
        return args
    return [*args, "--exclude-resource-type", "unit_test"]


def run_dbt(
    args: list[str],
    warehouse: Path,
    as_of_date: str,
    extra_vars: dict | None = None,
    extra_env: dict | None = None,
    unit_tests: bool = False,
    project_dir: Path = PROJECT_ROOT,
    in_process: bool = True,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run dbt against `warehouse`, with its own target/log folders beside it, so tests never
    touch the repository's target/ (nor each other's). extra_env: more environment variables
    for this one command (e.g. PULSE_TEST_ALL_DAYS). The as-of date goes through the
    environment, as the Dagster asset passes it (a changed --vars re-parses the whole
    project). unit_tests: also run dbt's unit tests of what `args` selects. project_dir: a
    copy of the project (e.g. with a test's own seed); the session's parse state applies to it
    too, only the files that differ are parsed again.

    dbt runs in this process (dbt_runner.py): the command line is the one `dbt` would get,
    without a Python start, dbt's imports and a parse per command. in_process=False: a `dbt`
    process, for a test of what dbt itself does on start-up (e.g. its partial parsing).
    check=False: return a failed command's outcome instead of failing the test."""
    work = warehouse.parent
    env = {
        **os.environ,
        **(extra_env or {}),
        "PULSE_WAREHOUSE": warehouse.name,
        "PULSE_AS_OF_DATE": as_of_date,
    }
    target = work / "dbt_target"
    seed_session_parse_state(target)
    cmd = dbt_command(
        *(args if unit_tests else _without_unit_tests(args)),
        target_path=target,
        log_path=work / "dbt_logs",
        extra_vars=extra_vars,
        project_dir=project_dir,
    )
    work.mkdir(parents=True, exist_ok=True)
    if in_process:
        proc = dbt_runner.run(cmd[1:], env=env, cwd=work, target_path=target)
    else:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=work)
    if check and proc.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr}")
    return proc


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def query_df(warehouse: Path, sql: str):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()
