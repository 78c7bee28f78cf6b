"""The preflight: the landing folder checked, and the warehouse opened, before any load.

Every ingestion asset depends on this one, so when the landing folder is missing or holds no
source folder, or the warehouse stays busy, the run stops here: nothing loads, dbt does not
run, nothing is published (the last good serving copy, report and finance files stay).
"""

from dagster import (
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.assets.ingestion import LANDING_KEY, WRITER_POOL
from orchestration.assets.retries import retry_when_busy
from orchestration.ingest.landing import LandingError, record_ignored, scan_landing
from orchestration.ingest.schema import ensure_schema
from orchestration.resources import PulseSettings
from orchestration.warehouse import connect_writer


def _ignored_table(scan, new_paths: set[str]) -> str:
    rows = ["| path | first seen in this run | reason |", "|---|---|---|"]
    rows += [
        f"| {e.path} | {'yes' if e.path in new_paths else 'no'} | {e.reason} |"
        for e in scan.ignored
    ]
    return "\n".join(rows)


@asset(
    key=LANDING_KEY,
    group_name="ingestion",
    pool=WRITER_POOL,
    kinds={"duckdb"},
    description="The landing folder checked before loading: it exists and holds source "
    "or profile folders; anything else at its root (and in a profile folder) is recorded in "
    "the load ledger as `ignored`.",
)
def landing_asset(context: AssetExecutionContext, pulse: PulseSettings) -> MaterializeResult:
    cfg = pulse.get()
    try:
        scan = scan_landing(cfg.landing_dir)
    except LandingError as exc:
        raise Failure(description=f"{type(exc).__name__}: {exc}", allow_retries=False) from None
    # The run's first writing step: a busy warehouse stops the run here, once (retried later).
    with retry_when_busy(context), connect_writer(cfg.warehouse) as con:
        ensure_schema(con)
        new = record_ignored(con, scan, context.run.run_id)
    for entry in scan.ignored:
        context.log.warning(f"ignored {entry.path} in {cfg.landing_dir}: {entry.reason}")
    new_paths = {e.path for e in new}
    return MaterializeResult(
        metadata={
            "landing_dir": MetadataValue.path(str(cfg.landing_dir)),
            # the run's as-of date (run config, else PULSE_AS_OF_DATE, else today)
            "as_of_date": cfg.as_of_date.isoformat(),
            "sources": ", ".join(scan.sources),
            "profiles": ", ".join(scan.profiles),
            "ignored": len(scan.ignored),
            "ignored_new": len(new),
            "ignored_entries": MetadataValue.json(
                [{"path": e.path, "reason": e.reason} for e in scan.ignored]
            ),
            "ignored_table": MetadataValue.md(_ignored_table(scan, new_paths)),
        }
    )
