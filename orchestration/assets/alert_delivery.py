"""Deliver the alerts: after publishing, send each newly opened alert episode once per
configured channel and write the call list (orchestration/alerts/).

It reads the episodes from the serving copy (audited data only, read-only) and records
deliveries in the working warehouse's outbox under the writer lock. A failing channel never
fails this asset: it is recorded, retried by later runs and shown by the WARN-severity check
`alerts_delivered`. Publishing happened before this asset runs, so nothing here can hold it
back.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.alerts import deliver
from orchestration.assets.ingestion import WRITER_POOL
from orchestration.config import alert_settings
from orchestration.resources import PulseSettings

KEY = AssetKey(["alert_delivery"])
CHECK = "alerts_delivered"


@asset(
    key=KEY,
    deps=[AssetKey(["serving"])],
    group_name="alerts",
    pool=WRITER_POOL,
    kinds={"email", "csv"},
    check_specs=[
        AssetCheckSpec(
            CHECK,
            asset=KEY,
            description="Every due alert reached every configured channel: warns on failed or"
            " unconfirmed deliveries in the outbox and on alerts with no e-mail recipient.",
        )
    ],
    description="Newly opened alert episodes sent once per channel (e-mail per recipient, "
    "chat webhook), recorded in pulse_meta.alert_outbox, and the call list of open alerts in "
    "<reports dir>/alerts/.",
)
def alert_delivery(context: AssetExecutionContext, pulse: PulseSettings) -> MaterializeResult:
    report = deliver.run(pulse.get(), alert_settings(), context.run.run_id, context.log)
    metadata: dict = {
        # null: the serving copy has no alerts mart, nothing was read
        "alerts_open": MetadataValue.int(report.alerts_open)
        if report.alerts_open is not None
        else MetadataValue.null(),
        "alerts_new": report.alerts_new,
        "channels": ", ".join(c.channel for c in report.channels) or "none",
    }
    if report.call_list:
        metadata["call_list"] = MetadataValue.path(str(report.call_list[-1]))
    for c in report.channels:
        metadata[f"{c.channel}_sent"] = c.sent
        metadata[f"{c.channel}_failed"] = c.failed
        metadata[f"{c.channel}_unconfirmed"] = c.unconfirmed
        metadata[f"{c.channel}_messages"] = c.messages
    problems = report.attention
    passed = not problems and not report.no_recipient
    check_metadata: dict = {
        "failed": sum(1 for r in problems if r[2] == "failed"),
        "unconfirmed": sum(1 for r in problems if r[2] == "unconfirmed"),
        "no_recipient": report.no_recipient,
    }
    if problems:
        # alert ids, channels and error classes only: no addresses, no cell values
        check_metadata["deliveries"] = MetadataValue.md(
            "| alert | channel | status | attempts | last error |\n|---|---|---|---|---|\n"
            + "\n".join(f"| {a} | {c} | {s} | {n} | {e or ''} |" for a, c, s, n, e in problems[:50])
        )
    return MaterializeResult(
        metadata=metadata,
        check_results=[
            AssetCheckResult(
                check_name=CHECK,
                passed=passed,
                severity=AssetCheckSeverity.WARN,
                metadata=check_metadata,
                description=None
                if passed
                else "Some alerts are not delivered yet: failed ones are retried by the next"
                " run; unconfirmed ones are not (python -m orchestration.alerts"
                " requeue-unconfirmed resends them).",
            )
        ],
    )
