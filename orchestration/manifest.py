"""The dbt manifest (target/manifest.json) Dagster builds Pulse's asset graph from.

Loading the definitions only reads it; it never runs dbt. Something explicit parses the
project first: `make parse`, `pulse run` (prepare_manifest below) or the test suite's set-up;
under `dagster dev` (also `pulse ui`), dagster-dbt's DbtProject.prepare_if_dev() re-parses
it on every load of the code location, so an edited model shows up on "Reload".
"""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from functools import cache
from pathlib import Path

from orchestration.config import TARGETS, settings
from orchestration.resources import dbt_command, dbt_project

ADAPTER_TYPE = dict(zip(TARGETS, ("duckdb", "spark"), strict=True))

# The dbt project's own files: a manifest older than any of them may miss a model.
PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
PROJECT_FOLDERS = ("models", "macros", "seeds", "tests/dbt")


class ManifestMissing(FileNotFoundError):
    """target/manifest.json does not exist and nothing in this process may run dbt."""


class StaleManifestWarning(UserWarning):
    """The manifest is older than the project's files, or was parsed for another target."""


def manifest_path() -> Path:
    return dbt_project.manifest_path


def stale_reason(path: Path | None = None, manifest: dict | None = None) -> str | None:
    """Why the manifest at `path` (default: target/manifest.json; `manifest`: its content when
    already read) cannot be trusted, or None: missing, parsed for another target (a model's
    materialization may differ per adapter), or older than a file of the dbt project."""
    path = path or manifest_path()
    if not path.exists():
        return "it does not exist"
    if manifest is None:
        manifest = json.loads(path.read_text())
    adapter = manifest.get("metadata", {}).get("adapter_type")
    wanted = ADAPTER_TYPE[settings().target]
    if adapter != wanted:
        return f"it was parsed for the {adapter} adapter, the target is {wanted}"
    built = path.stat().st_mtime
    root = Path(dbt_project.project_dir)
    newer = [p for p in project_files(root) if p.stat().st_mtime > built]
    if newer:
        return f"{newer[0].relative_to(root)} is newer"
    return None


def project_files(root: Path) -> list[Path]:
    """The files of the dbt project at `root` (PROJECT_FILES and every file under
    PROJECT_FOLDERS) that exist."""
    files = [root / name for name in PROJECT_FILES if (root / name).is_file()]
    for folder in PROJECT_FOLDERS:
        files.extend(p for p in (root / folder).rglob("*") if p.is_file())
    return files


def copy_project(target: Path) -> Path:
    """A copy of the dbt project's own files in `target` (new), e.g. for a test or the
    benchmark that edits a seed of it; dbt runs on it with --project-dir `target`."""
    root = Path(dbt_project.project_dir)
    for source in project_files(root):
        destination = target / source.relative_to(root)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    return target


def prepare_manifest() -> bool:
    """Parse the dbt project when its manifest is stale (see stale_reason); True when it
    parsed. The explicit step before the definitions are loaded: `pulse run`, the tests."""
    if stale_reason() is None:
        return False
    parse()
    load_manifest.cache_clear()
    return True


def parse() -> None:
    """`dbt parse` (a partial parse when dbt's parse state allows) into target/."""
    subprocess.run(dbt_command("parse", "--quiet"), check=True)


@cache
def load_manifest() -> dict:
    """The manifest as a dict, read once per process. Under `dagster dev` dagster-dbt parses
    the project first; anywhere else a missing manifest is an error that says how to make it,
    and a stale one a warning (the graph may lack a new model until the next parse)."""
    dbt_project.prepare_if_dev()
    path = manifest_path()
    if not path.exists():
        raise ManifestMissing(
            f"dbt manifest not found: {path}. Dagster builds Pulse's asset graph from it, and "
            "loading the definitions never runs dbt. Run `make parse` (or `dbt parse` in the "
            "project folder), or use `pulse run` / `pulse ui`, which prepare it."
        )
    manifest = json.loads(path.read_text())
    reason = stale_reason(path, manifest)
    if reason is not None:
        warnings.warn(
            f"dbt manifest {path} may be out of date ({reason}): run `make parse`.",
            StaleManifestWarning,
            stacklevel=2,
        )
    return manifest
