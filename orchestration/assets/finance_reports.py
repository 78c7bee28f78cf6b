"""The files finance opens: the aging and payment-delay reports, every run, in a dated folder.

After the run's marts passed their checks and were published, read rpt_aging_summary,
rpt_invoice_aging and rpt_payment_delay_by_customer from the serving copy (audited data only,
read-only: no lock on the working warehouse) and write an Excel workbook plus a CSV of the
aging and of the payment-delay report into <PULSE_REPORTS_DIR>/finance/<as_of_date>/
(orchestration/reports/finance_workbook.py). The two reports are read in batches while they
are written, so memory does not grow with the marts.
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.publish import current_dir
from orchestration.reports.finance_workbook import finance_report_dir, write_finance_reports_from
from orchestration.resources import PulseSettings
from orchestration.warehouse import connect_reader

# The accounts-receivable aging summary with its totals, summed here in SQL (the workbook
# writer only lays them out): per (segment, bucket) as the mart holds them, per segment over
# all buckets, per bucket over all segments, and the grand total. The grouping flags mark the
# total rows, so a segment whose name looks like a label is never taken for one.
AGING_SUMMARY_SQL = """
select
    segment,
    aging_bucket,
    min(bucket_order) as bucket_order,
    grouping(segment) as all_segments,
    grouping(aging_bucket) as all_buckets,
    cast(coalesce(sum(invoices), 0) as bigint) as invoices,
    coalesce(sum(open_amount), 0) as open_amount
from rpt_aging_summary
group by grouping sets ((segment, aging_bucket), (segment), (aging_bucket), ())
order by all_segments, segment, all_buckets, bucket_order
"""


@asset(
    key=["finance_reports"],
    deps=[AssetKey(["serving"])],
    group_name="reports",
    kinds={"excel", "csv"},
    description="Finance's files: the aging summary, invoice aging and payment-delay reports "
    "as an Excel workbook (one sheet each) and the two reports as CSVs, in "
    "<reports dir>/finance/<as_of_date>/.",
)
def finance_reports(context: AssetExecutionContext, pulse: PulseSettings) -> MaterializeResult:
    cfg = pulse.get()
    out_dir = finance_report_dir(cfg.reports_dir, cfg.as_of_date)
    con = connect_reader(current_dir(cfg.serving_dir) / "pulse.duckdb")
    try:
        summary = con.execute(AGING_SUMMARY_SQL).df()  # a few rows per segment
        files = write_finance_reports_from(con, out_dir, as_of_date=cfg.as_of_date, summary=summary)
    finally:
        con.close()
    context.log.info(f"finance reports written to {files.folder}")
    return MaterializeResult(
        metadata={
            "folder": MetadataValue.path(str(files.folder)),
            "workbook": MetadataValue.path(str(files.workbook)),
            # a link the Dagster UI opens (file:// on the machine that ran the step)
            "workbook_url": MetadataValue.url(files.workbook.resolve().as_uri()),
            "csv_invoice_aging": MetadataValue.path(str(files.csvs["rpt_invoice_aging"])),
            "csv_payment_delay": MetadataValue.path(
                str(files.csvs["rpt_payment_delay_by_customer"])
            ),
            "as_of_date": cfg.as_of_date.isoformat(),
            "currency": files.currency,
            "open_invoices": files.row_counts["rpt_invoice_aging"],
            "customers": files.row_counts["rpt_payment_delay_by_customer"],
            "overdue_invoices": files.overdue_rows["Invoice aging"],
            "total_open_amount": MetadataValue.float(files.total_open_amount),
            "total_overdue_amount": MetadataValue.float(files.total_overdue_amount),
        }
    )
