"""dbt commands of the test suite, run inside the test process (dbt's programmatic API,
dbtRunner) instead of a `dbt` subprocess each.

A `dbt` process costs seconds before it runs a node: Python and dbt's imports (~3 s), then
reading the parse state and hashing every project file (~3 s). The suite runs dozens of dbt
commands; in one process the imports happen once per pytest worker, and a parsed manifest is
handed to the next command on the same project with the same --vars (dbtRunner(manifest=...),
dbt's documented way to skip parsing), so most commands parse nothing.

The manifest is reused only when the parse would come out the same:
- the same project folder and the same --vars (the cache key);
- every environment variable the parse read has the same value now (dbt records them in
  manifest.env_vars: the very check its partial parsing makes). Pulse reads its run settings
  (the as-of date, PULSE_TEST_ALL_DAYS) only when dbt executes, so these never force a parse;
- no file of the project changed since (a test may edit a seed of a project copy): the
  newest modification time of the project's files is part of the key.
Otherwise dbt parses in-process, from the command's parse state as before, and the result
replaces the cached manifest.

In-process also means process-wide state, restored after each command: the environment and
the working directory (a relative warehouse path resolves from it), and dbt-duckdb's cached
DuckDB instance, which it keeps open until the process exits; closed after each command, so
the test can open the warehouse itself (another configuration in the same process would fail).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from orchestration.manifest import project_files

# project folder + --vars + newest file time -> (manifest, the manifest.json it was written to)
_MANIFESTS: dict[tuple, tuple[object, Path]] = {}
# dbt's placeholder in manifest.env_vars for a variable the parse read through its default
DEFAULT_ENV_PLACEHOLDER = "DBT_DEFAULT_PLACEHOLDER"


def run(
    argv: list[str], env: dict[str, str], cwd: Path, target_path: Path
) -> subprocess.CompletedProcess:
    """dbt `argv` (the command line without the executable) as `dbt` would run it with
    environment `env` in folder `cwd`; returns what subprocess.run would (return code 0
    on success, 1 on failure; stdout: dbt's log lines, or for `ls` its output lines)."""
    key = _cache_key(argv)
    with _process_state(env, cwd):
        cached = _MANIFESTS.get(key)
        manifest = cached[0] if cached and _same_environment(cached[0], env) else None
        if manifest is None:
            parse_argv = _parse_argv(argv)
            result, lines = _invoke(parse_argv)
            if not result.success:
                return _completed(argv, 1, "\n".join(lines), result.exception)
            manifest = result.result
            _MANIFESTS[key] = (manifest, target_path / "manifest.json")
        elif cached[1] != target_path / "manifest.json" and cached[1].exists():
            # what a parse would have left in the command's target folder (tests read it)
            target_path.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached[1], target_path / "manifest.json")
        result, lines = _invoke(argv, manifest)
    stdout = "\n".join(result.result) if argv[0] == "ls" and result.success else "\n".join(lines)
    return _completed(argv, 0 if result.success else 1, stdout, result.exception)


def _invoke(argv: list[str], manifest=None):
    from dbt.cli.main import dbtRunner

    lines: list[str] = []

    def collect(event) -> None:
        if event.info.level in ("info", "warn", "error") and event.info.msg:
            lines.append(str(event.info.msg))

    try:
        result = dbtRunner(manifest=manifest, callbacks=[collect]).invoke(argv)
    finally:
        _close_duckdb()
    return result, lines


def _parse_argv(argv: list[str]) -> list[str]:
    """`dbt parse` with the command's project, profile, target, log folder and --vars."""
    keep = ("--project-dir", "--profiles-dir", "--target-path", "--log-path", "--vars")
    out = ["parse"]
    for i, arg in enumerate(argv):
        if arg in keep:
            out += [arg, argv[i + 1]]
    return out


def _cache_key(argv: list[str]) -> tuple:
    project = Path(_option(argv, "--project-dir") or ".").resolve()
    return project, _option(argv, "--vars"), _newest_file_time(project)


def _option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def _newest_file_time(project: Path) -> float:
    return max(p.stat().st_mtime for p in project_files(project))


def _same_environment(manifest, env: dict[str, str]) -> bool:
    return all(
        env.get(name, DEFAULT_ENV_PLACEHOLDER) == value for name, value in manifest.env_vars.items()
    )


@contextlib.contextmanager
def _process_state(env: dict[str, str], cwd: Path):
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _close_duckdb() -> None:
    """Close the DuckDB instance dbt-duckdb keeps for the process (its connection manager
    only drops the reference at exit)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager

    with manager._LOCK:
        if manager._ENV is not None:
            with contextlib.suppress(Exception):
                manager._ENV.close()
            manager._ENV = None


def _completed(argv, returncode: int, stdout: str, exception=None) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess(
        ["dbt", *argv], returncode, stdout, repr(exception) if exception else ""
    )
