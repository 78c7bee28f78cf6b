"""Loading Pulse's definitions reads the dbt manifest and never runs dbt, except under
`dagster dev`, where dagster-dbt's DbtProject.prepare_if_dev() parses the project; a missing
manifest is an error that says how to make it. Each import runs in a fresh Python, with
subprocess.Popen replaced by a recorder that refuses to start dbt (only `dbt --version`,
which dagster-dbt asks before a command, is let through)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from orchestration import manifest
from orchestration.config import PROJECT_ROOT

IMPORT_SCRIPT = """
import json, subprocess, sys, warnings
from pathlib import Path

started = []


class Recorder(subprocess.Popen):
    def __init__(self, args, *rest, **kwargs):
        argv = [str(a) for a in ([args] if isinstance(args, (str, bytes)) else args)]
        if Path(argv[0].split()[0]).name in ("dbt", "dbtf"):
            started.append(argv)
            if argv[1:] != ["--version"]:
                raise RuntimeError("a dbt command was started")
        super().__init__(args, *rest, **kwargs)


subprocess.Popen = Recorder

import orchestration.manifest as m

m.manifest_path = lambda: Path(sys.argv[1])
outcome = {}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        from orchestration.assets.dbt import pulse_dbt_models
        import orchestration.definitions

        outcome["dbt_assets"] = len(pulse_dbt_models.keys)
    except Exception as exc:
        outcome["error"] = f"{type(exc).__name__}: {exc}"
outcome["warnings"] = [
    str(w.message) for w in caught if issubclass(w.category, m.StaleManifestWarning)
]
outcome["dbt"] = started
print(json.dumps(outcome))
"""


def _import_definitions(manifest_file, dev: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_IS_DEV_CLI"}
    if dev:
        env["DAGSTER_IS_DEV_CLI"] = "1"  # what `dagster dev` sets for its code servers
        # dagster-dbt runs the `dbt` on PATH: an activated venv's, or the one `pulse ui` puts
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_SCRIPT, str(manifest_file)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _stale_copy(tmp_path):
    """The session's manifest, copied and dated 1970: older than every project file."""
    copy = tmp_path / "manifest.json"
    shutil.copyfile(manifest.manifest_path(), copy)
    os.utime(copy, (1, 1))
    return copy


def _models_and_seeds() -> int:
    nodes = json.loads(manifest.manifest_path().read_text())["nodes"].values()
    return sum(1 for n in nodes if n["resource_type"] in ("model", "seed", "snapshot"))


def test_a_missing_manifest_fails_the_import_with_how_to_make_it_and_runs_no_dbt(tmp_path):
    outcome = _import_definitions(tmp_path / "absent" / "manifest.json")
    assert outcome["dbt"] == []
    assert outcome["error"].startswith("ManifestMissing: dbt manifest not found: ")
    assert "`make parse`" in outcome["error"]
    assert "`pulse run`" in outcome["error"]


def test_a_stale_manifest_is_loaded_with_a_warning_and_not_reparsed(tmp_path):
    stale = _stale_copy(tmp_path)
    outcome = _import_definitions(stale)
    assert outcome["dbt"] == []
    assert "error" not in outcome
    assert outcome["dbt_assets"] == _models_and_seeds()
    # read once per process: one warning, though three modules use the manifest
    [warning] = outcome["warnings"]
    assert "may be out of date" in warning and "run `make parse`" in warning
    assert os.stat(stale).st_mtime == 1  # nothing rewrote it


def test_under_dagster_dev_dagster_dbt_parses_the_project(tmp_path):
    outcome = _import_definitions(_stale_copy(tmp_path), dev=True)
    parses = [argv for argv in outcome["dbt"] if "parse" in argv]
    assert len(parses) == 1
    assert outcome["error"] == "RuntimeError: a dbt command was started"


def test_stale_reason_names_what_is_wrong(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    path = tmp_path / "manifest.json"
    assert manifest.stale_reason(path) == "it does not exist"
    path.write_text(json.dumps({"metadata": {"adapter_type": "spark"}}))
    assert manifest.stale_reason(path) == (
        "it was parsed for the spark adapter, the target is duckdb"
    )
    path.write_text(json.dumps({"metadata": {"adapter_type": "duckdb"}}))
    later = time.time() + 3600  # newer than every file of the project
    os.utime(path, (later, later))
    assert manifest.stale_reason(path) is None
    os.utime(path, (1, 1))
    assert manifest.stale_reason(path) == "dbt_project.yml is newer"


def test_prepare_manifest_parses_only_when_stale(monkeypatch):
    parsed = []
    monkeypatch.setattr(manifest, "parse", lambda: parsed.append(True))
    monkeypatch.setattr(manifest, "stale_reason", lambda *a, **k: None)
    assert manifest.prepare_manifest() is False
    assert parsed == []
    monkeypatch.setattr(manifest, "stale_reason", lambda *a, **k: "it does not exist")
    assert manifest.prepare_manifest() is True
    assert parsed == [True]
