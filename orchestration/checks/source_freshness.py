"""`dbt source freshness` as part of the refresh run: one asset check per raw table.

After ingestion, dbt measures how old the newest load of each raw table is (`_loaded_at`)
against the thresholds of dbt_project.yml (daily exports: warn after 36 h, error after 72 h;
the monthly accounting export: 35 / 45 days). Each source becomes the check
`dbt_source_freshness` on its raw asset. A stale source is reported, never fatal: the check
is not blocking and its severity is WARN whatever dbt's verdict (warn or error, kept in the
metadata), because an export that did not arrive still leaves yesterday's data worth
publishing. `pulse run` prints each stale source with its age, and `pulse status` repeats
the last run's failed checks (orchestration/cli.py).

dbt-duckdb opens the warehouse read-write, so the command runs under the writer lock, in the
writer pool, on the DuckDB target whatever PULSE_TARGET says: the raw tables are DuckDB's.
"""

import json
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    MetadataValue,
    multi_asset_check,
)

from orchestration import parse_state
from orchestration.assets.ingestion import WRITER_POOL, raw_asset_key
from orchestration.config import PROJECT_ROOT
from orchestration.manifest import load_manifest
from orchestration.resources import PulseSettings, dbt_command
from orchestration.warehouse import wait_until_free, writer_lock

CHECK_NAME = "dbt_source_freshness"
NEVER_LOADED = "0001-01-01"


def fresh_sources(manifest: Mapping[str, Any]) -> dict[str, dict]:
    """source unique_id -> its manifest entry, for every source with a freshness threshold
    (the loader's own pulse_meta tables have none)."""
    return {
        uid: source
        for uid, source in manifest.get("sources", {}).items()
        if (source.get("freshness") or {}).get("warn_after", {}).get("count")
        or (source.get("freshness") or {}).get("error_after", {}).get("count")
    }


def _threshold(criteria: Mapping[str, Any], key: str) -> str:
    value = (criteria or {}).get(key) or {}
    if not value.get("count"):
        return ""
    return f"{value['count']} {value['period']}{'s' if value['count'] != 1 else ''}"


def check_result(source: Mapping[str, Any], result: Mapping[str, Any] | None) -> AssetCheckResult:
    """One source's check result from its entry of dbt's sources.json (None: dbt gave none)."""
    key = raw_asset_key(source["name"])
    if result is None:
        return AssetCheckResult(
            asset_key=key,
            check_name=CHECK_NAME,
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description="dbt source freshness gave no result for this source (see the step log)",
            metadata={"failed_warnings": "dbt source freshness did not measure it"},
        )
    status = result.get("status", "runtime error")
    criteria = result.get("criteria") or source.get("freshness") or {}
    warn_after, error_after = (
        _threshold(criteria, "warn_after"),
        _threshold(criteria, "error_after"),
    )
    metadata: dict[str, Any] = {
        "dbt_status": status,
        "warn_after": warn_after,
        "error_after": error_after,
    }
    seconds = result.get("max_loaded_at_time_ago_in_s")
    newest = str(result.get("max_loaded_at") or "")
    # an empty table: dbt reports the newest load as 0001-01-01
    never = newest.startswith(NEVER_LOADED)
    if never:
        seconds = None
        metadata["newest_load_at"] = "never loaded"
    elif newest:
        metadata["newest_load_at"] = newest
    if seconds is not None:
        metadata["hours_since_newest_load"] = MetadataValue.float(round(seconds / 3600, 1))
    passed = status == "pass"
    if not passed:
        age = f"{seconds / 3600:.1f} h since the newest load" if seconds is not None else ""
        age = "no row ever loaded" if never else age
        limit = error_after if status == "error" else warn_after
        detail = "; ".join(
            part for part in (age, f"{status} after {limit}" if limit else "") if part
        )
        # the key the run summary and the report print for a failed check
        metadata["failed_warnings"] = f"dbt source freshness {status}" + (
            f" ({detail})" if detail else ""
        )
    return AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def run_source_freshness(env: Mapping[str, str], work: Path) -> dict[str, dict]:
    """`dbt source freshness` on every source; unique_id -> its result in sources.json (empty
    when dbt wrote none). A stale source makes dbt exit non-zero: that is a result, not an
    error, so the exit code is not checked."""
    target = work / "target"
    target.mkdir(parents=True, exist_ok=True)
    # start from the project's parse state, and hand it back after: the run's dbt build,
    # which comes next with the same profile, then parses only what changed
    parse_state.seed(target)
    output = work / "sources.json"
    cmd = dbt_command(
        "source",
        "freshness",
        "--output",
        str(output),
        target_path=target,
        log_path=work / "logs",
    )
    subprocess.run(cmd, env=dict(env), cwd=PROJECT_ROOT, capture_output=True, text=True)
    parse_state.keep(target)
    if not output.exists():
        return {}
    return {r["unique_id"]: r for r in json.loads(output.read_text()).get("results", [])}


def build_source_freshness_check(manifest: Mapping[str, Any]):
    sources = fresh_sources(manifest)
    specs = {
        uid: AssetCheckSpec(
            name=CHECK_NAME,
            asset=raw_asset_key(source["name"]),
            blocking=False,
            description="dbt source freshness: age of the newest load (_loaded_at) against"
            f" dbt_project.yml (warn after {_threshold(source['freshness'], 'warn_after')},"
            f" error after {_threshold(source['freshness'], 'error_after')}); warns only.",
        )
        for uid, source in sorted(sources.items())
    }

    @multi_asset_check(
        name=CHECK_NAME,
        specs=list(specs.values()),
        can_subset=True,
        pool=WRITER_POOL,
        description="`dbt source freshness` after ingestion: a stale raw table warns.",
    )
    def _check(context: AssetCheckExecutionContext, pulse: PulseSettings) -> Iterator:
        cfg = pulse.get()
        selected: set[AssetCheckKey] = set(context.selected_asset_check_keys)
        # the raw tables are DuckDB's whatever the dbt target of the models
        env = {**cfg.dbt_env(), "PULSE_TARGET": "duckdb"}
        try:
            with writer_lock(cfg.warehouse), tempfile.TemporaryDirectory() as work:
                wait_until_free(cfg.warehouse)
                results = run_source_freshness(env, Path(work))
        except Exception as exc:  # a busy warehouse, dbt missing: a warning, never a failed run
            context.log.warning(f"dbt source freshness did not run: {exc}")
            results = {}
        if not results:
            context.log.warning("dbt source freshness gave no results: every source warns")
        for uid, spec in specs.items():
            if spec.key in selected:
                yield check_result(sources[uid], results.get(uid))

    return _check


source_freshness_check = build_source_freshness_check(load_manifest())
