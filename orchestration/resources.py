"""Resources: where the warehouse is and how dbt is invoked."""

from __future__ import annotations

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


class PulseSettings(ConfigurableResource):
    """Pulse's paths and as-of date, read from the environment when a run starts."""

    def get(self) -> Settings:
        return settings()


def build_resources() -> dict:
    return {
        "pulse": PulseSettings(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
