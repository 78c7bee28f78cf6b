"""The Pulse report people open: health at a glance, one self-contained HTML file per run.

After the run's marts passed their checks and were published, read the serving copy (audited
data only, read-only: no lock on the working warehouse) and write
<PULSE_REPORTS_DIR>/pulse_report_<as_of_date>.html and <PULSE_REPORTS_DIR>/pulse_report.html (the
latest), plus the same as PDF when Chromium is installed
(orchestration/reports/pulse_report/render.py).
The run's asset-check results (GX checks, dbt tests) come from this run's event log and fill
the report's data-quality section.
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    DagsterEventType,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.publish import current_dir
from orchestration.reports.pulse_report.data import CheckResult
from orchestration.reports.pulse_report.render import build_report
from orchestration.reports.pulse_report.sections.attention import attention_markdown
from orchestration.resources import PulseSettings

HEADLINE_METRICS = (
    ("nps", "nps"),
    ("csat_pct", "csat_pct"),
    ("ces_avg", "ces_avg"),
    ("logo_churn_rate_pct", "logo_churn_pct"),
    ("gross_revenue_retention_pct", "grr_pct"),
    ("net_revenue_retention_pct", "nrr_pct"),
)


def _failure_detail(evaluation) -> str:
    """What failed: the GX checks' failed_errors / failed_warnings metadata ("none" when
    empty), else the evaluation's description."""
    if evaluation.passed:
        return ""
    for key in ("failed_errors", "failed_warnings"):
        value = evaluation.metadata.get(key)
        if value is not None and str(value.value) not in ("", "none"):
            return str(value.value)
    return evaluation.description or ""


def run_check_results(context: AssetExecutionContext) -> list[CheckResult] | None:
    """This run's asset-check evaluations so far (every check runs before publishing), from
    the instance's event log; None when the log cannot be read."""
    try:
        records = context.instance.get_records_for_run(
            context.run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
    except Exception as exc:  # the report is still worth writing without them
        context.log.warning(f"asset-check results not available for the report: {exc}")
        return None
    results = []
    for record in records:
        event = record.event_log_entry.dagster_event
        evaluation = event.event_specific_data if event is not None else None
        if evaluation is None or not hasattr(evaluation, "check_name"):
            continue
        results.append(
            CheckResult(
                asset=evaluation.asset_key.to_user_string(),
                check=evaluation.check_name,
                passed=evaluation.passed,
                severity=evaluation.severity.value,
                description=_failure_detail(evaluation),
            )
        )
    return results


@asset(
    key=["pulse_report"],
    deps=[AssetKey(["serving"])],
    group_name="reports",
    kinds={"html", "pdf"},
    description="The Pulse report: health distribution, attention list, CSAT/NPS/CES, churn, "
    "cohorts, CAC and LTV:CAC, aging, the score backtest and data quality, as one "
    "self-contained HTML file (and PDF with Chromium) in <reports dir>/.",
)
def pulse_report(context: AssetExecutionContext, pulse: PulseSettings) -> MaterializeResult:
    cfg = pulse.get()
    checks = run_check_results(context)
    result = build_report(
        current_dir(cfg.serving_dir) / "pulse.duckdb",
        cfg.reports_dir,
        checks=checks,
        as_of=cfg.as_of_date,
    )
    files, head, data = result.files, result.headline, result.data
    context.log.info(f"Pulse report written to {files.latest}")
    if files.pdf_note:
        context.log.info(files.pdf_note)

    metadata: dict = {
        "report": MetadataValue.path(str(files.latest)),
        # a link the Dagster UI opens (file:// on the machine that ran the step)
        "report_url": MetadataValue.url(files.html.resolve().as_uri()),
        "report_dated": MetadataValue.path(str(files.html)),
        "as_of_date": (data.as_of_date or cfg.as_of_date).isoformat(),
    }
    if files.pdf is not None:
        metadata["report_pdf"] = MetadataValue.path(str(files.pdf))
    # each metric's latest complete month (they can differ: a month without survey answers)
    metadata["metric_months"] = ", ".join(
        f"{name} {month.strftime('%Y-%m')}"
        for key, name in HEADLINE_METRICS
        for month, _ in [head.metrics.get(key, (None, None))]
        if month is not None
    )
    for key, name in HEADLINE_METRICS:
        _, value = head.metrics.get(key, (None, None))
        metadata[name] = MetadataValue.float(value) if value is not None else MetadataValue.null()
    for name in ("healthy", "at_risk", "unhealthy", "customers_scored", "needing_attention"):
        value = getattr(head, name)
        metadata[name] = MetadataValue.int(value) if value is not None else MetadataValue.null()
    metadata["mrr_at_risk"] = (
        MetadataValue.float(head.mrr_at_risk)
        if head.mrr_at_risk is not None
        else MetadataValue.null()
    )
    metadata["attention_top_10"] = MetadataValue.md(attention_markdown(data, 10))
    metadata["rows"] = MetadataValue.md(
        "| mart | rows |\n|---|---|\n"
        + "\n".join(
            f"| {name} | {'missing' if n is None else n} |"
            for name, n in sorted(data.row_counts.items())
        )
    )
    if checks is not None:
        metadata["checks_passed"] = sum(c.passed for c in checks)
        metadata["checks_failed"] = sum(not c.passed for c in checks)
    return MaterializeResult(metadata=metadata)
