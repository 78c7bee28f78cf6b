"""The files finance opens: the aging and payment-delay reports as an Excel workbook and CSVs.

Pure writing logic (pandas + openpyxl, no Dagster, no DuckDB), so it is testable on a
hand-made DataFrame. The Dagster asset `finance_reports` (orchestration/assets/
finance_reports.py) reads the marts and calls `write_finance_reports`.

What gets written into `out_dir` (the caller picks it; Pulse uses
`<reports dir>/finance/<as_of_date>/`, see `finance_report_dir`):

    finance_reports_<as_of>.xlsx        sheets "Aging summary" (when given), "Invoice aging",
                                        "Payment delay", "About"
    rpt_invoice_aging.csv               the mart rpt_invoice_aging, as is
    rpt_payment_delay_by_customer.csv   the mart rpt_payment_delay_by_customer, as is

Workbook conventions (each data sheet): one header row, frozen, with an autofilter; amounts
formatted as money in the reporting currency (`#,##0.00 "USD"`); dates as dates; overdue rows
filled light red AND marked "OVERDUE" in the first column (colour alone is lost when printed
in black and white or read by a screen reader); column widths fitted to the content. Printed,
every sheet is landscape and one page wide, and a sheet's header row repeats on each page.
The "Aging summary" sheet is the accounts-receivable aging summary: open amounts per aging
bucket (columns) and customer segment (rows), with each segment's total and the total of all
segments. Its totals are computed by the query that reads it (grouping sets over the mart
rpt_aging_summary); this module only lays them out.
Files are written to a temporary name and renamed, so nobody opens a half-written file, with
the permissions the process umask gives a new file (a umask of 027 or 077 keeps them private).

Text from the marts (company names come from customers' own exports) is never a formula: a
workbook text cell is written as a string with Excel's quote prefix, and a CSV text cell that a
spreadsheet would evaluate (starting with =, +, -, @, tab or carriage return) gets a leading
single quote, as OWASP recommends against CSV injection. Numbers stay numbers.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

SUMMARY_SHEET = "Aging summary"
AGING_SHEET = "Invoice aging"
DELAY_SHEET = "Payment delay"
ABOUT_SHEET = "About"
AGING_CSV = "rpt_invoice_aging.csv"
DELAY_CSV = "rpt_payment_delay_by_customer.csv"

OVERDUE_MARKER = "OVERDUE"
STATUS_HEADER = "Status"
OVERDUE_FILL = PatternFill(fill_type="solid", start_color="FFF4CCCC", end_color="FFF4CCCC")
HEADER_FILL = PatternFill(fill_type="solid", start_color="FFD9E1F2", end_color="FFD9E1F2")
HEADER_FONT = Font(bold=True)
DATE_FORMAT = "yyyy-mm-dd"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
MIN_WIDTH, MAX_WIDTH = 8, 45

# A text cell starting with one of these is evaluated by spreadsheets (OWASP, CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# What the aging summary's query returns: one row per (segment, bucket) and the grouping-set
# totals; all_segments / all_buckets (1 or 0) mark a total over segments / buckets.
SUMMARY_COLUMNS = (
    "segment",
    "aging_bucket",
    "bucket_order",
    "all_segments",
    "all_buckets",
    "invoices",
    "open_amount",
)
ALL_SEGMENTS = "All segments"

# Payer categories from the most to the least urgent (sort order of the delay sheet).
PAYER_CATEGORY_ORDER = ("severely_overdue", "habitually_late", "occasionally_late", "on_time")


def money_format(currency: str) -> str:
    """Excel number format for an amount in `currency`: thousands separator, 2 decimals and
    the ISO code, e.g. 1,234.50 USD."""
    return f'#,##0.00 "{currency}"'


@dataclass(frozen=True)
class SheetSpec:
    """How one mart becomes one sheet: which columns, in which order, with which labels and
    formats, sorted how, and which rows are overdue."""

    name: str
    columns: Sequence[str]
    labels: dict[str, str]
    money: frozenset[str]
    integers: frozenset[str] = frozenset()
    decimals: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    sort_by: Sequence[str] = ()
    sort_ascending: Sequence[bool] = ()
    is_overdue: Callable[[pd.DataFrame], pd.Series] = field(
        default=lambda df: pd.Series(False, index=df.index)
    )


AGING_SPEC = SheetSpec(
    name=AGING_SHEET,
    columns=(
        "invoice_id",
        "customer_id",
        "company_name",
        "segment",
        "issued_at",
        "due_at",
        "days_past_due",
        "aging_bucket",
        "amount",
        "paid_amount",
        "open_amount",
        "currency",
        "amount_local",
        "reminders_sent",
        "last_reminder_date",
    ),
    labels={
        "invoice_id": "Invoice",
        "customer_id": "Customer ID",
        "company_name": "Company",
        "segment": "Segment",
        "issued_at": "Issued",
        "due_at": "Due",
        "days_past_due": "Days past due",
        "aging_bucket": "Aging bucket",
        "amount": "Amount",
        "paid_amount": "Paid",
        "open_amount": "Open",
        "currency": "Invoice currency",
        "amount_local": "Amount in invoice currency",
        "reminders_sent": "Reminders sent",
        "last_reminder_date": "Last reminder",
    },
    money=frozenset({"amount", "paid_amount", "open_amount"}),
    integers=frozenset({"days_past_due", "reminders_sent"}),
    decimals=frozenset({"amount_local"}),
    dates=frozenset({"issued_at", "due_at", "last_reminder_date"}),
    # the oldest debt first: that is whom finance calls first
    sort_by=("days_past_due", "open_amount", "invoice_id"),
    sort_ascending=(False, False, True),
    is_overdue=lambda df: df["days_past_due"].fillna(0) > 0,
)

DELAY_SPEC = SheetSpec(
    name=DELAY_SHEET,
    columns=(
        "customer_id",
        "company_name",
        "segment",
        "payer_category",
        "open_amount",
        "open_past_due_amount",
        "open_past_due_invoices",
        "max_days_past_due",
        "invoices",
        "invoices_paid",
        "invoices_paid_late",
        "on_time_rate_pct",
        "avg_days_late",
        "max_days_late",
        "reminders_sent",
        "paid_after_reminder",
        "invoices_paid_last_window",
        "avg_days_late_last_window",
        "invoices_paid_prior_window",
        "avg_days_late_prior_window",
        "days_late_trend",
    ),
    labels={
        "customer_id": "Customer ID",
        "company_name": "Company",
        "segment": "Segment",
        "payer_category": "Payer category",
        "open_amount": "Open",
        "open_past_due_amount": "Overdue",
        "open_past_due_invoices": "Overdue invoices",
        "max_days_past_due": "Max days past due",
        "invoices": "Invoices",
        "invoices_paid": "Invoices paid",
        "invoices_paid_late": "Paid late",
        "on_time_rate_pct": "On-time rate %",
        "avg_days_late": "Avg days late",
        "max_days_late": "Max days late",
        "reminders_sent": "Reminders sent",
        "paid_after_reminder": "Paid after reminder",
        "invoices_paid_last_window": "Paid, last {window} days",
        "avg_days_late_last_window": "Avg days late, last {window} days",
        "invoices_paid_prior_window": "Paid, {window} days before",
        "avg_days_late_prior_window": "Avg days late, {window} days before",
        "days_late_trend": "Trend",
    },
    money=frozenset({"open_amount", "open_past_due_amount"}),
    integers=frozenset(
        {
            "open_past_due_invoices",
            "max_days_past_due",
            "invoices",
            "invoices_paid",
            "invoices_paid_late",
            "max_days_late",
            "reminders_sent",
            "paid_after_reminder",
            "invoices_paid_last_window",
            "invoices_paid_prior_window",
        }
    ),
    decimals=frozenset(
        {
            "on_time_rate_pct",
            "avg_days_late",
            "avg_days_late_last_window",
            "avg_days_late_prior_window",
        }
    ),
    sort_by=("_category_rank", "open_past_due_amount", "open_amount", "customer_id"),
    sort_ascending=(True, False, False, True),
    is_overdue=lambda df: df["open_past_due_amount"].fillna(0) > 0,
)


@dataclass(frozen=True)
class FinanceReportFiles:
    """What write_finance_reports wrote."""

    folder: Path
    workbook: Path
    csvs: dict[str, Path]
    row_counts: dict[str, int]
    overdue_rows: dict[str, int]
    total_open_amount: float
    total_overdue_amount: float
    currency: str


def finance_report_dir(reports_dir: Path, as_of_date: dt.date) -> Path:
    """The dated folder of one run's finance files: <reports_dir>/finance/<YYYY-MM-DD>/."""
    return Path(reports_dir) / "finance" / as_of_date.isoformat()


def write_finance_reports(
    aging: pd.DataFrame,
    delay: pd.DataFrame,
    out_dir: Path,
    *,
    as_of_date: dt.date,
    currency: str | None = None,
    summary: pd.DataFrame | None = None,
) -> FinanceReportFiles:
    """Write the workbook and one CSV per report into `out_dir` (created; files replaced).

    aging: rows of rpt_invoice_aging; delay: rows of rpt_payment_delay_by_customer (at least
    the columns of AGING_SPEC / DELAY_SPEC). currency: ISO code of the amounts; by default the
    `reporting_currency` column of the frames, else USD. summary: the aging summary with its
    totals (SUMMARY_COLUMNS; orchestration/assets/finance_reports.py: AGING_SUMMARY_SQL), the
    workbook's first sheet; none without it.
    """
    _require_columns(aging, AGING_SPEC.columns, "rpt_invoice_aging")
    _require_columns(delay, DELAY_SPEC.columns, "rpt_payment_delay_by_customer")
    if summary is not None:
        _require_columns(summary, SUMMARY_COLUMNS, "aging summary")
    currency = (currency or _currency_of(aging, delay)).upper()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    window = _trend_window(delay)
    delay_labels = {k: v.format(window=window) for k, v in DELAY_SPEC.labels.items()}
    delay_sorted = delay.assign(
        _category_rank=delay["payer_category"].map(
            {c: i for i, c in enumerate(PAYER_CATEGORY_ORDER)}
        )
    )

    # Write-only: rows stream to the file as they are appended instead of living as cell
    # objects until save (at SF10 the workbook held 3.6 GB and took a minute to write).
    wb = Workbook(write_only=True)
    if summary is not None:
        _write_summary(wb, summary, currency)
    overdue_rows = {
        AGING_SHEET: _write_sheet(wb, AGING_SPEC, AGING_SPEC.labels, aging, currency),
        DELAY_SHEET: _write_sheet(wb, DELAY_SPEC, delay_labels, delay_sorted, currency),
    }
    total_open = float(pd.to_numeric(aging["open_amount"]).fillna(0).sum())
    total_overdue = float(
        pd.to_numeric(aging.loc[AGING_SPEC.is_overdue(aging), "open_amount"]).fillna(0).sum()
    )
    _write_about(
        wb,
        as_of_date,
        currency,
        len(aging),
        len(delay),
        total_open,
        total_overdue,
        window,
        with_summary=summary is not None,
    )

    workbook_path = out_dir / f"finance_reports_{as_of_date.isoformat()}.xlsx"
    _atomic_write(workbook_path, wb.save)
    csvs = {
        "rpt_invoice_aging": out_dir / AGING_CSV,
        "rpt_payment_delay_by_customer": out_dir / DELAY_CSV,
    }
    for path, frame in (
        (csvs["rpt_invoice_aging"], aging),
        (csvs["rpt_payment_delay_by_customer"], delay),
    ):
        # RFC 4180's CRLF: the csv writer then also quotes a field holding a bare carriage
        # return, which readers would otherwise take for the end of the row
        _atomic_write(
            path, lambda p, f=frame: _csv_frame(f).to_csv(p, index=False, lineterminator="\r\n")
        )

    return FinanceReportFiles(
        folder=out_dir,
        workbook=workbook_path,
        csvs=csvs,
        row_counts={"rpt_invoice_aging": len(aging), "rpt_payment_delay_by_customer": len(delay)},
        overdue_rows=overdue_rows,
        total_open_amount=round(total_open, 2),
        total_overdue_amount=round(total_overdue, 2),
        currency=currency,
    )


# ---------------------------------------------------------------------------------------


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing columns {missing}")


def _currency_of(*frames: pd.DataFrame) -> str:
    for frame in frames:
        if "reporting_currency" in frame.columns:
            values = frame["reporting_currency"].dropna().unique()
            if len(values):
                return str(values[0])
    return "USD"


def _trend_window(delay: pd.DataFrame) -> int:
    if "trend_window_days" in delay.columns and delay["trend_window_days"].notna().any():
        return int(delay["trend_window_days"].dropna().iloc[0])
    return 90


def _cell_value(value: Any) -> Any:
    """A pandas / numpy / Decimal value as something openpyxl writes natively."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().date() if value == value.normalize() else value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _write_sheet(
    wb: Workbook,
    spec: SheetSpec,
    labels: dict[str, str],
    frame: pd.DataFrame,
    currency: str,
) -> int:
    """One data sheet; returns the number of overdue rows."""
    ws = wb.create_sheet(spec.name)
    if spec.sort_by and len(frame):
        frame = frame.sort_values(
            list(spec.sort_by), ascending=list(spec.sort_ascending), na_position="last"
        )
    overdue = spec.is_overdue(frame).fillna(False).to_numpy(dtype=bool)

    headers = [STATUS_HEADER] + [
        f"{labels[c]} ({currency})" if c in spec.money else labels[c] for c in spec.columns
    ]
    formats = {}
    for idx, col in enumerate(spec.columns, start=2):
        if col in spec.money:
            formats[idx] = money_format(currency)
        elif col in spec.dates:
            formats[idx] = DATE_FORMAT
        elif col in spec.integers:
            formats[idx] = INTEGER_FORMAT
        elif col in spec.decimals:
            formats[idx] = DECIMAL_FORMAT

    rows = [
        [OVERDUE_MARKER if is_overdue else None] + [_cell_value(v) for v in row]
        for row, is_overdue in zip(
            frame[list(spec.columns)].itertuples(index=False, name=None), overdue, strict=True
        )
    ]
    # a write-only sheet takes its layout before its first row
    _fit_widths(ws, headers, formats, rows)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    _print_layout(ws, header_row=True)

    ws.append([_styled(ws, h, font=HEADER_FONT, fill=HEADER_FILL) for h in headers])
    overdue_font = Font(bold=True, color="FF9C0006")
    for values, is_overdue in zip(rows, overdue, strict=True):
        fill = OVERDUE_FILL if is_overdue else None
        ws.append(
            [
                _styled(
                    ws,
                    value,
                    number_format=formats.get(idx),
                    fill=fill,
                    font=overdue_font if is_overdue and idx == 1 else None,
                )
                for idx, value in enumerate(values, start=1)
            ]
        )
    return int(overdue.sum())


def _print_layout(ws, *, header_row: bool) -> None:
    """Printed landscape, scaled to one page wide (as many pages long as it takes), the
    header row repeated at the top of every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: no limit on the number of pages down
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row:
        ws.print_title_rows = "1:1"


def _summary_grid(summary: pd.DataFrame) -> tuple[list[str], list[list]]:
    """The aging summary laid out: bucket names in bucket order, and one row per segment (by
    name) then the all-segments row: [segment, open amount per bucket..., total, invoices].
    Only a reshape: every number is one the query computed."""
    keyed = summary.assign(
        segment=summary["segment"].where(summary["all_segments"] == 0, ALL_SEGMENTS),
        aging_bucket=summary["aging_bucket"].where(summary["all_buckets"] == 0, ""),
        bucket_order=summary["bucket_order"].where(summary["all_buckets"] == 0, 0),
    )
    rows_index = ["all_segments", "segment"]
    amounts = (
        keyed.pivot(
            index=rows_index,
            columns=["all_buckets", "bucket_order", "aging_bucket"],
            values="open_amount",
        )
        .sort_index(axis=0)
        .sort_index(axis=1)
    )
    invoices = keyed[keyed["all_buckets"] == 1].set_index(rows_index)["invoices"]
    buckets = [bucket for all_buckets, _, bucket in amounts.columns if all_buckets == 0]
    rows = [
        [segment, *map(_cell_value, values), _cell_value(invoices.get((all_segments, segment)))]
        for (all_segments, segment), values in zip(
            amounts.index, amounts.itertuples(index=False, name=None), strict=True
        )
    ]
    return buckets, rows


def _write_summary(wb: Workbook, summary: pd.DataFrame, currency: str) -> None:
    """The aging summary sheet: segments down, aging buckets across, totals right and below.
    No autofilter: sorting would move the total row in among the segments."""
    ws = wb.create_sheet(SUMMARY_SHEET)
    buckets, rows = _summary_grid(summary)
    headers = ["Segment", *(f"{b} ({currency})" for b in buckets), f"Total ({currency})"]
    headers.append("Open invoices")
    money = money_format(currency)
    formats = {idx: money for idx in range(2, len(headers))} | {len(headers): INTEGER_FORMAT}
    _fit_widths(ws, headers, formats, rows)
    ws.freeze_panes = "B2"
    _print_layout(ws, header_row=True)
    ws.append([_styled(ws, h, font=HEADER_FONT, fill=HEADER_FILL) for h in headers])
    for number, values in enumerate(rows, start=1):
        font = HEADER_FONT if number == len(rows) else None  # the all-segments row
        ws.append(
            [
                _styled(ws, value, number_format=formats.get(idx), font=font)
                for idx, value in enumerate(values, start=1)
            ]
        )


def _is_formula_like(value: Any) -> bool:
    """Text openpyxl or a spreadsheet would not keep as text: a formula, an error code."""
    return isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or value in ERROR_CODES)


def _styled(ws, value: Any, *, number_format=None, fill=None, font=None, alignment=None):
    """A cell of a write-only sheet with its style (a plain value when it has none)."""
    formula_like = _is_formula_like(value)
    if (
        number_format is None
        and fill is None
        and font is None
        and alignment is None
        and not formula_like
    ):
        return value
    cell = WriteOnlyCell(ws, value=value)
    if formula_like:
        # openpyxl makes every string starting with "=" a formula: write it as a string, and
        # quote-prefixed so Excel keeps it text when someone edits the cell too.
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format is not None:
        cell.number_format = number_format
    if fill is not None:
        cell.fill = fill
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _fit_widths(ws, headers: list[str], formats: dict[int, str], rows: list[list]) -> None:
    """Width of each column from its longest header or value (the first 2,000 rows), plus
    room for the autofilter arrow and the currency suffix of money cells."""
    sample = rows[:2000]
    for idx, header in enumerate(headers, start=1):
        longest = len(header) + 3  # the filter arrow
        for row in sample:
            value = row[idx - 1]
            if value is None:
                continue
            if isinstance(value, float):
                text = f"{value:,.2f}"
            elif isinstance(value, int):
                text = f"{value:,}"
            elif isinstance(value, dt.date):
                text = "2000-01-01"
            else:
                text = str(value)
            extra = 5 if formats.get(idx, "").endswith('"') else 0
            longest = max(longest, len(text) + extra)
        ws.column_dimensions[get_column_letter(idx)].width = max(
            MIN_WIDTH, min(MAX_WIDTH, longest + 1)
        )


def _write_about(
    wb: Workbook,
    as_of_date: dt.date,
    currency: str,
    aging_rows: int,
    delay_rows: int,
    total_open: float,
    total_overdue: float,
    window: int,
    with_summary: bool,
) -> None:
    ws = wb.create_sheet(ABOUT_SHEET)
    _print_layout(ws, header_row=False)
    summary = (
        SUMMARY_SHEET,
        "Open receivables (the Open amounts of the invoice aging) per aging bucket and customer"
        f" segment, each segment's total, and {ALL_SEGMENTS}: the totals over segments.",
    )
    rows = [
        ("Pulse finance reports", None),
        ("As of date", as_of_date),
        ("Amounts in", currency),
        ("Open invoices", aging_rows),
        ("Total open", total_open),
        ("Total overdue", total_overdue),
        ("Customers with invoices", delay_rows),
        (None, None),
        *([summary] if with_summary else []),
        (
            AGING_SHEET,
            "One row per invoice open on the as-of date (void invoices excluded; open = not yet"
            " paid in full by the payments dated up to the as-of date). Oldest debt first."
            f" {OVERDUE_MARKER} = past its due date.",
        ),
        (
            DELAY_SHEET,
            "One row per customer with invoices: how they pay. Payer category, first match"
            " wins: severely_overdue (an open invoice more than 60 days past due),"
            " habitually_late (3 or more invoices paid, at least 50 % of them late),"
            " occasionally_late (any late payment or overdue invoice), on_time (the rest)."
            " The numbers are the defaults of the dbt vars finance_* in dbt_project.yml."
            f" Trend: average days late, last {window} days against the {window} days before."
            f" {OVERDUE_MARKER} = has overdue invoices.",
        ),
        (
            "Amounts",
            f"In {currency}, converted at the exchange rate of each invoice's issue date"
            " (payments at their invoice's rate).",
        ),
        (
            "Source",
            "Pulse marts "
            + ("rpt_aging_summary, " if with_summary else "")
            + "rpt_invoice_aging and rpt_payment_delay_by_customer.",
        ),
    ]
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    money = money_format(currency)
    for number, (label, value) in enumerate(rows, start=1):
        value_format = DATE_FORMAT if number == 2 else money if number in (5, 6) else None
        ws.append(
            [
                _styled(ws, label, font=Font(bold=True, size=13) if number == 1 else HEADER_FONT),
                _styled(
                    ws,
                    value,
                    number_format=value_format,
                    alignment=Alignment(wrap_text=True, vertical="top") if number >= 9 else None,
                ),
            ]
        )


def _neutralised(series: pd.Series) -> pd.Series:
    """A text column with every cell a spreadsheet would evaluate prefixed with a single quote
    (OWASP's advice against CSV injection). Non-text cells (numbers, dates, nulls) as they are."""
    if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "mixed", "mixed-integer"):
        return series
    is_text = series.map(lambda value: isinstance(value, str)).to_numpy(dtype=bool)
    text = series.where(is_text, "").astype(str)
    risky = is_text & text.str.startswith(FORMULA_PREFIXES).to_numpy(dtype=bool)
    return series.mask(risky, "'" + text)


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The mart as is, text cells neutralised against formula injection, dates written as
    YYYY-MM-DD (not as midnight timestamps)."""
    out = frame.copy()
    for col in out.columns:
        out[col] = _neutralised(out[col])
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            series = out[col]
            if (series.dropna() == series.dropna().dt.normalize()).all():
                out[col] = series.dt.strftime("%Y-%m-%d")
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, write: Callable[[str], Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        # mkstemp makes it owner-only: give it what the umask gives any new file (who may
        # read finance's files is the umask's and the folder's business, not this code's)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
