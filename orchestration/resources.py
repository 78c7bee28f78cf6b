"""Resources: where the warehouse is and how dbt is invoked."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.config import PROJECT_ROOT, Settings, settings

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


class PulseSettings(ConfigurableResource):
    """Pulse's paths and as-of date, read from the environment when a run starts."""

    def get(self) -> Settings:
        return settings()


def build_resources() -> dict:
    return {
        "pulse": PulseSettings(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
