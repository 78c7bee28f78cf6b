"""The refresh job's dbt resource starts dbt without dagster-dbt's two start-up costs Pulse
never uses: `dbt --version` in a subprocess and an in-process dbt adapter."""

from __future__ import annotations

import subprocess
from importlib.metadata import version

from orchestration.resources import PulseDbtCliResource, build_resources


def test_the_refresh_job_uses_the_lean_resource():
    assert isinstance(build_resources()["dbt"], PulseDbtCliResource)


def test_the_dbt_version_is_read_without_starting_dbt(monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args[0]!r}")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.setattr(subprocess, "check_output", no_subprocess)
    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    resource = build_resources()["dbt"]
    # the installed dbt-core, the package whose `dbt` command the resource runs
    assert str(resource._cli_version) == version("dbt-core")
    assert resource._cli_version.major == 1


def test_no_dbt_adapter_is_opened_in_the_dagster_process():
    resource = build_resources()["dbt"]
    assert resource._initialize_dbt_core_adapter(["build"]) is None
