"""Resources: where the warehouse is and how dbt is invoked."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version
from pydantic import Field

from orchestration.config import PROJECT_ROOT, Settings, parse_as_of, resolve_path, settings

# The dbt installed beside this Python (the project's .venv), even when .venv/bin is not on PATH.
_VENV_DBT = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else (shutil.which("dbt") or "dbt")

dbt_project = DbtProject(project_dir=PROJECT_ROOT, profiles_dir=PROJECT_ROOT)


def dbt_command(
    *args: str,
    target_path: Path | None = None,
    log_path: Path | None = None,
    as_of_date: str | None = None,
    project_dir: Path = PROJECT_ROOT,
    executable: str = DBT_EXECUTABLE,
    extra_vars: dict | None = None,
) -> list[str]:
    """The command line of one dbt invocation on Pulse's project (profiles.yml beside it),
    with its own target and log folders when given (so runs never share target/), and the
    as-of date and any extra vars as --vars when given."""
    cmd = [executable, *args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    if target_path is not None:
        cmd += ["--target-path", str(target_path)]
    if log_path is not None:
        cmd += ["--log-path", str(log_path)]
    dbt_vars = {
        **({"as_of_date": as_of_date} if as_of_date is not None else {}),
        **(extra_vars or {}),
    }
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars)]
    return cmd


class PulseDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two start-ups Pulse never uses, ~10 s of every dbt
    step: `dbt --version` in a subprocess to learn the version of the dbt beside this Python
    (read from the installed package instead), and an in-process dbt adapter, which dagster-dbt
    opens only for its fetch_row_counts / fetch_column_metadata (Pulse reads row counts and
    schemas itself, once dbt has exited: orchestration/assets/dbt_metadata.py)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


class PulseSettings(ConfigurableResource):
    """Pulse's paths and as-of date, read from the environment when a run starts; the as-of
    date and the landing folder can be set per run (the launchpad's run config, `pulse run
    --as-of`), which re-runs a past date. Empty = the environment, so a long-running Dagster
    process never pins the day it started as "today"."""

    as_of_date: str | None = Field(
        default=None,
        description="The date that counts as today for this run (YYYY-MM-DD). Empty: "
        "PULSE_AS_OF_DATE, else today (UTC).",
    )
    landing_dir: str | None = Field(
        default=None,
        description="The landing folder for this run. Empty: PULSE_LANDING_DIR, else data/landing.",
    )

    def get(self) -> Settings:
        cfg = settings()
        changes = {}
        if self.as_of_date:
            changes["as_of_date"] = parse_as_of(self.as_of_date, "run config as_of_date")
        if self.landing_dir:
            changes["landing_dir"] = resolve_path(self.landing_dir)
        return dataclasses.replace(cfg, **changes)


def run_config_for(as_of_date: str | None = None, landing_dir: str | None = None) -> dict:
    """The run config that sets a run's as-of date and landing folder (None: the default)."""
    config = {
        key: value
        for key, value in (("as_of_date", as_of_date), ("landing_dir", landing_dir))
        if value
    }
    return {"resources": {"pulse": {"config": config}}} if config else {}


def build_resources() -> dict:
    return {
        "pulse": PulseSettings(),
        "dbt": PulseDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
