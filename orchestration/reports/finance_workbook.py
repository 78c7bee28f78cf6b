"""The files finance opens: the aging and payment-delay reports as an Excel workbook and CSVs.

Pure writing logic (DuckDB + XlsxWriter, no Dagster), so it is testable on hand-made
DataFrames. The Dagster asset `finance_reports` (orchestration/assets/finance_reports.py)
calls `write_finance_reports_from` on a connection to the serving copy; `write_finance_reports`
takes DataFrames and writes them through the same code (an in-memory DuckDB).

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

Memory stays flat whatever the size of the marts: rows are read from DuckDB in batches
(`BATCH_ROWS`) in the order they are written, the workbook is written by XlsxWriter in
constant-memory mode (each row goes to a temporary file as soon as the next one starts, so a
row can never be revisited: column widths come from the first rows, the autofilter's range is
set after the last), and the CSVs are written batch by batch.
Files are written to a temporary name and renamed, so nobody opens a half-written file, with
the permissions the process umask gives a new file (a umask of 027 or 077 keeps them private).

Text from the marts (company names come from customers' own exports) is never a formula: a
workbook text cell is written as a string (never through XlsxWriter's guessing `write()`, and
the workbook is opened with formulas and URLs in strings turned off) with Excel's quote prefix
when it starts like a formula, and a CSV text cell that a spreadsheet would evaluate (starting
with =, +, -, @, tab or carriage return) gets a leading single quote, as OWASP recommends
against CSV injection. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from orchestration.files import atomic_write

SUMMARY_SHEET = "Aging summary"
AGING_SHEET = "Invoice aging"
DELAY_SHEET = "Payment delay"
ABOUT_SHEET = "About"
AGING_CSV = "rpt_invoice_aging.csv"
DELAY_CSV = "rpt_payment_delay_by_customer.csv"
AGING_MART = "rpt_invoice_aging"
DELAY_MART = "rpt_payment_delay_by_customer"

OVERDUE_MARKER = "OVERDUE"
STATUS_HEADER = "Status"
OVERDUE_COLOR = "#F4CCCC"  # light red fill of an overdue row
OVERDUE_FONT_COLOR = "#9C0006"  # dark red, bold: the OVERDUE marker
HEADER_COLOR = "#D9E1F2"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
MIN_WIDTH, MAX_WIDTH = 8, 45
WIDTH_SAMPLE_ROWS = 2000  # column widths are fitted to the header and the first rows
BATCH_ROWS = 10_000  # rows fetched from DuckDB at a time

# A text cell starting with one of these is evaluated by spreadsheets (OWASP, CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Text a spreadsheet would take for an error value, not text, when the cell is edited.
ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})

WORKBOOK_OPTIONS = {
    "constant_memory": True,
    # Every string is text: nothing from the marts becomes a formula or a hyperlink.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    # An infinite or NaN float becomes Excel's #NUM! instead of stopping the workbook.
    "nan_inf_to_errors": True,
    # A timestamp with a time zone is written at its wall-clock time (Excel has no zones).
    "remove_timezone": True,
}

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


def _category_rank_sql() -> str:
    whens = " ".join(f"when '{c}' then {i}" for i, c in enumerate(PAYER_CATEGORY_ORDER))
    return f"case payer_category {whens} end"


@dataclass(frozen=True)
class SheetSpec:
    """How one mart becomes one sheet: which columns, in which order, with which labels and
    formats, sorted how (`order_by`, SQL over the mart) and which rows are overdue
    (`overdue_when`, an SQL condition)."""

    name: str
    columns: Sequence[str]
    labels: dict[str, str]
    money: frozenset[str]
    integers: frozenset[str] = frozenset()
    decimals: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    order_by: str = ""
    overdue_when: str = "false"

    def number_format(self, column: str, currency: str) -> str | None:
        if column in self.money:
            return money_format(currency)
        if column in self.dates:
            return DATE_FORMAT
        if column in self.integers:
            return INTEGER_FORMAT
        if column in self.decimals:
            return DECIMAL_FORMAT
        return None


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
    order_by="days_past_due desc nulls last, open_amount desc nulls last, invoice_id",
    overdue_when="coalesce(days_past_due, 0) > 0",
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
    # the most urgent payers first (an unknown category last), then the largest debts
    order_by=f"{_category_rank_sql()} nulls last, open_past_due_amount desc nulls last,"
    " open_amount desc nulls last, customer_id",
    overdue_when="coalesce(open_past_due_amount, 0) > 0",
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
    """The files of write_finance_reports_from, written from DataFrames: aging holds rows of
    rpt_invoice_aging, delay rows of rpt_payment_delay_by_customer (at least the columns of
    AGING_SPEC / DELAY_SPEC). The frames are read through an in-memory DuckDB, so they take
    the same path as the marts."""
    con = duckdb.connect()
    try:
        con.register("finance_aging", aging)
        con.register("finance_delay", delay)
        return write_finance_reports_from(
            con,
            out_dir,
            as_of_date=as_of_date,
            currency=currency,
            summary=summary,
            aging="finance_aging",
            delay="finance_delay",
        )
    finally:
        con.close()


def write_finance_reports_from(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    *,
    as_of_date: dt.date,
    currency: str | None = None,
    summary: pd.DataFrame | None = None,
    aging: str = AGING_MART,
    delay: str = DELAY_MART,
) -> FinanceReportFiles:
    """Write the workbook and one CSV per report into `out_dir` (created; files replaced),
    reading the tables or views `aging` and `delay` of `con` in batches.

    currency: ISO code of the amounts; by default the `reporting_currency` column of the
    marts, else USD. summary: the aging summary with its totals (SUMMARY_COLUMNS;
    orchestration/assets/finance_reports.py: AGING_SUMMARY_SQL), the workbook's first sheet;
    none without it.
    """
    aging_types = _column_types(con, aging)
    delay_types = _column_types(con, delay)
    _require_columns(aging_types, AGING_SPEC.columns, AGING_MART)
    _require_columns(delay_types, DELAY_SPEC.columns, DELAY_MART)
    if summary is not None:
        _require_columns(summary.columns, SUMMARY_COLUMNS, "aging summary")
    currency = (currency or _first_value(con, "reporting_currency", aging, delay) or "USD").upper()
    window = int(_first_value(con, "trend_window_days", delay) or 90)
    delay_labels = {k: v.format(window=window) for k, v in DELAY_SPEC.labels.items()}
    aging_rows, total_open, total_overdue = con.execute(
        f"select count(*), cast(coalesce(sum(open_amount), 0) as double),"
        f" cast(coalesce(sum(open_amount) filter (where {AGING_SPEC.overdue_when}), 0)"
        f" as double) from {_ident(aging)}"
    ).fetchone()
    (delay_rows,) = con.execute(f"select count(*) from {_ident(delay)}").fetchone()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    overdue_rows: dict[str, int] = {}

    def write_workbook(path: str) -> None:
        # XlsxWriter keeps each sheet's rows in temporary files until close(): in a private
        # folder beside the workbook (same disk and permissions, not the shared system temp
        # folder), removed with what is in it even when the writing fails
        with tempfile.TemporaryDirectory(prefix=".xlsxwriter-", dir=out_dir) as scratch:
            _write_workbook(path, scratch)

    def _write_workbook(path: str, scratch: str) -> None:
        wb = xlsxwriter.Workbook(path, WORKBOOK_OPTIONS | {"tmpdir": scratch})
        formats = _Formats(wb)
        if summary is not None:
            _write_summary(wb, formats, summary, currency)
        overdue_rows[AGING_SHEET] = _write_sheet(
            wb, formats, AGING_SPEC, AGING_SPEC.labels, con, aging, aging_types, currency
        )
        overdue_rows[DELAY_SHEET] = _write_sheet(
            wb, formats, DELAY_SPEC, delay_labels, con, delay, delay_types, currency
        )
        _write_about(
            wb,
            formats,
            as_of_date,
            currency,
            aging_rows,
            delay_rows,
            total_open,
            total_overdue,
            window,
            with_summary=summary is not None,
        )
        wb.close()

    workbook_path = out_dir / f"finance_reports_{as_of_date.isoformat()}.xlsx"
    atomic_write(workbook_path, write_workbook)
    csvs = {AGING_MART: out_dir / AGING_CSV, DELAY_MART: out_dir / DELAY_CSV}
    for mart, relation, types in (
        (AGING_MART, aging, aging_types),
        (DELAY_MART, delay, delay_types),
    ):
        atomic_write(csvs[mart], lambda p, r=relation, t=types: _write_csv(con, r, t, p))

    return FinanceReportFiles(
        folder=out_dir,
        workbook=workbook_path,
        csvs=csvs,
        row_counts={AGING_MART: aging_rows, DELAY_MART: delay_rows},
        overdue_rows=overdue_rows,
        total_open_amount=round(total_open, 2),
        total_overdue_amount=round(total_overdue, 2),
        currency=currency,
    )


# --- reading ------------------------------------------------------------------------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Column name -> DuckDB type of a table or view, in its order."""
    return {
        row[0]: row[1]
        for row in con.execute(f"describe select * from {_ident(relation)}").fetchall()
    }


def _require_columns(present: Sequence[str], columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in present]
    if missing:
        raise ValueError(f"{name}: missing columns {missing}")


def _first_value(con: duckdb.DuckDBPyConnection, column: str, *relations: str) -> Any:
    """The first non-null value of `column` in the first of `relations` that has one."""
    for relation in relations:
        if column not in _column_types(con, relation):
            continue
        row = con.execute(
            f"select {_ident(column)} from {_ident(relation)}"
            f" where {_ident(column)} is not null limit 1"
        ).fetchone()
        if row is not None:
            return row[0]
    return None


def _batches(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[list[tuple]]:
    """The rows of a query, BATCH_ROWS at a time: only one batch is ever held in Python."""
    result = con.execute(sql)
    while batch := result.fetchmany(BATCH_ROWS):
        yield batch


def _as_read(column: str, column_type: str) -> str:
    """A column as the writers read it: decimals as doubles (Excel's numbers are doubles)."""
    if column_type.startswith("DECIMAL"):
        return f"cast({_ident(column)} as double) as {_ident(column)}"
    return _ident(column)


# --- the workbook ---------------------------------------------------------------------------


class _Formats:
    """The workbook's cell formats, each made once: the same properties, the same Format
    (XlsxWriter adds one entry to the file's style table per Format object)."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self._wb = wb
        self._made: dict[tuple, Format] = {}
        self._props: dict[int, dict[str, Any]] = {}
        self.header = self.get(bold=True, fill=HEADER_COLOR)
        self.run = wb.add_format()  # a rich-text run in the default font

    def get(self, **props: Any) -> Format | None:
        """num_format, fill (a colour), bold, font_color, size, wrap, valign, quote."""
        props = {k: v for k, v in props.items() if v is not None and v is not False}
        if not props:
            return None
        key = tuple(sorted(props.items()))
        if key not in self._made:
            options: dict[str, Any] = {
                {"wrap": "text_wrap", "size": "font_size", "quote": "quote_prefix"}.get(k, k): v
                for k, v in props.items()
                if k != "fill"
            }
            if "fill" in props:
                options |= {"pattern": 1, "bg_color": props["fill"]}
            fmt = self._wb.add_format(options)
            self._made[key] = fmt
            self._props[id(fmt)] = props
        return self._made[key]

    def props(self, fmt: Format | None) -> dict[str, Any]:
        return {} if fmt is None else dict(self._props[id(fmt)])

    def quoted(self, fmt: Format | None) -> Format:
        """fmt with Excel's quote prefix: the cell stays text when someone edits it."""
        return self.get(**self.props(fmt), quote=True)

    def dated(self, fmt: Format | None, value: dt.date) -> Format:
        """fmt, with a date (or date-time) number format if it has no number format."""
        props = self.props(fmt)
        if "num_format" not in props:
            has_time = isinstance(value, dt.datetime) and value.time() != dt.time(0)
            props["num_format"] = DATETIME_FORMAT if has_time else DATE_FORMAT
        return self.get(**props)


def _write_value(
    ws: Worksheet, formats: _Formats, row: int, col: int, value: Any, fmt: Format | None
) -> None:
    """One cell, by the type of its value; a null is an empty cell (formatted when the row
    has a fill or font)."""
    if isinstance(value, float) and math.isnan(value):
        value = None
    if value is None:
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        _write_text(ws, formats, row, col, value, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.date):  # datetimes too
        ws.write_datetime(row, col, value, formats.dated(fmt, value))
    else:
        _write_text(ws, formats, row, col, str(value), fmt)


def _write_text(
    ws: Worksheet, formats: _Formats, row: int, col: int, text: str, fmt: Format | None
) -> None:
    """A text cell, always as a string: never through XlsxWriter's write(), which would
    take "=..." for a formula."""
    if text.startswith(FORMULA_PREFIXES) or text in ERROR_CODES:
        fmt = formats.quoted(fmt)
    if text.startswith("<r>") and text.endswith("</r>"):
        # XlsxWriter's constant-memory mode copies a string shaped like its own rich-text XML
        # into the sheet unescaped, so such a text could add cells, formulas included. As a
        # two-run rich string it is escaped like any text and reads back unchanged.
        ws.write_rich_string(row, col, text[:1], formats.run, text[1:], *([fmt] if fmt else []))
    else:
        ws.write_string(row, col, text, fmt)


def _write_header(ws: Worksheet, formats: _Formats, headers: Sequence[str]) -> None:
    for col, header in enumerate(headers):
        _write_text(ws, formats, 0, col, header, formats.header)


def _print_layout(ws: Worksheet, *, header_row: bool) -> None:
    """Printed landscape, scaled to one page wide (as many pages long as it takes), the
    header row repeated at the top of every page."""
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # 0: no limit on the number of pages down
    if header_row:
        ws.repeat_rows(0)


class _Widths:
    """Column widths from the longest header or value of the first WIDTH_SAMPLE_ROWS rows,
    plus room for the autofilter arrow and the currency suffix of money cells."""

    def __init__(self, headers: Sequence[str], number_formats: Sequence[str | None]):
        self.longest = [len(header) + 3 for header in headers]  # the filter arrow
        self.extra = [5 if (nf or "").endswith('"') else 0 for nf in number_formats]
        self.rows = 0

    def add(self, values: Sequence[Any]) -> None:
        if self.rows >= WIDTH_SAMPLE_ROWS:
            return
        self.rows += 1
        for col, value in enumerate(values):
            if value is not None:
                self.longest[col] = max(self.longest[col], _shown_length(value) + self.extra[col])

    def apply(self, ws: Worksheet) -> None:
        for col, longest in enumerate(self.longest):
            ws.set_column(col, col, max(MIN_WIDTH, min(MAX_WIDTH, longest + 1)))


def _shown_length(value: Any) -> int:
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    if isinstance(value, int):
        return len(f"{value:,}")
    if isinstance(value, dt.date):
        return len("2000-01-01")
    return len(str(value))


def _write_sheet(
    wb: xlsxwriter.Workbook,
    formats: _Formats,
    spec: SheetSpec,
    labels: dict[str, str],
    con: duckdb.DuckDBPyConnection,
    relation: str,
    column_types: dict[str, str],
    currency: str,
) -> int:
    """One data sheet, row after row in the sheet's order; returns the number of overdue
    rows."""
    ws = wb.add_worksheet(spec.name)
    headers = [STATUS_HEADER] + [
        f"{labels[c]} ({currency})" if c in spec.money else labels[c] for c in spec.columns
    ]
    number_formats = [None] + [spec.number_format(c, currency) for c in spec.columns]
    plain = [formats.get(num_format=nf) for nf in number_formats]
    filled = [formats.get(num_format=nf, fill=OVERDUE_COLOR) for nf in number_formats]
    marker = formats.get(fill=OVERDUE_COLOR, bold=True, font_color=OVERDUE_FONT_COLOR)
    ws.freeze_panes(1, 0)
    _print_layout(ws, header_row=True)
    _write_header(ws, formats, headers)
    widths = _Widths(headers, number_formats)

    # the overdue flag first: it stands in the Status column
    columns = ", ".join(_as_read(c, column_types[c]) for c in spec.columns)
    sql = f"select ({spec.overdue_when}) as _overdue, {columns} from {_ident(relation)}"
    if spec.order_by:
        sql += f" order by {spec.order_by}"
    row = overdue = 0
    for batch in _batches(con, sql):
        for record in batch:
            row += 1
            if record[0]:
                overdue += 1
                ws.write_string(row, 0, OVERDUE_MARKER, marker)
                cell_formats = filled
            else:
                cell_formats = plain
            for col in range(1, len(record)):
                _write_value(ws, formats, row, col, record[col], cell_formats[col])
            widths.add((OVERDUE_MARKER if record[0] else None, *record[1:]))
    widths.apply(ws)
    ws.autofilter(0, 0, row, len(headers) - 1)
    return overdue


def _cell_value(value: Any) -> Any:
    """A pandas / numpy value of the (small) aging summary as a plain Python value."""
    if value is None or value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


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


def _write_summary(
    wb: xlsxwriter.Workbook, formats: _Formats, summary: pd.DataFrame, currency: str
) -> None:
    """The aging summary sheet: segments down, aging buckets across, totals right and below.
    No autofilter: sorting would move the total row in among the segments."""
    ws = wb.add_worksheet(SUMMARY_SHEET)
    buckets, rows = _summary_grid(summary)
    headers = ["Segment", *(f"{b} ({currency})" for b in buckets), f"Total ({currency})"]
    headers.append("Open invoices")
    money = money_format(currency)
    number_formats = [None] + [money] * (len(headers) - 2) + [INTEGER_FORMAT]
    ws.freeze_panes(1, 1)
    _print_layout(ws, header_row=True)
    _write_header(ws, formats, headers)
    widths = _Widths(headers, number_formats)
    for number, values in enumerate(rows, start=1):
        bold = number == len(rows)  # the all-segments row
        for col, value in enumerate(values):
            fmt = formats.get(num_format=number_formats[col], bold=bold)
            _write_value(ws, formats, number, col, value, fmt)
        widths.add(values)
    widths.apply(ws)


def _write_about(
    wb: xlsxwriter.Workbook,
    formats: _Formats,
    as_of_date: dt.date,
    currency: str,
    aging_rows: int,
    delay_rows: int,
    total_open: float,
    total_overdue: float,
    window: int,
    with_summary: bool,
) -> None:
    ws = wb.add_worksheet(ABOUT_SHEET)
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
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 100)
    money = money_format(currency)
    for number, (label, value) in enumerate(rows, start=1):
        label_format = formats.get(bold=True, size=13 if number == 1 else None)
        value_format = formats.get(
            num_format=DATE_FORMAT if number == 2 else money if number in (5, 6) else None,
            wrap=number >= 9,
            valign="top" if number >= 9 else None,
        )
        _write_value(ws, formats, number - 1, 0, label, label_format)
        _write_value(ws, formats, number - 1, 1, value, value_format)


# --- the CSVs -------------------------------------------------------------------------------


def _csv_columns(
    con: duckdb.DuckDBPyConnection, relation: str, column_types: dict[str, str]
) -> list[str]:
    """The mart's columns as the CSV shows them: text that a spreadsheet would evaluate
    prefixed with a single quote (OWASP's advice against CSV injection), timestamps that are
    all midnight as dates (YYYY-MM-DD, not midnight timestamps), decimals as numbers; the
    rest as is."""
    timestamps = [
        c for c, t in column_types.items() if t.startswith("TIMESTAMP") and "TIME ZONE" not in t
    ]
    midnight: dict[str, bool] = {}
    if timestamps:
        checks = ", ".join(
            f"coalesce(bool_and({_ident(c)} = date_trunc('day', {_ident(c)})), true)"
            for c in timestamps
        )
        flags = con.execute(f"select {checks} from {_ident(relation)}").fetchone()
        midnight = dict(zip(timestamps, flags, strict=True))
    risky = ", ".join(f"chr({ord(p)})" for p in FORMULA_PREFIXES)
    columns = []
    for column, column_type in column_types.items():
        name = _ident(column)
        if column_type == "VARCHAR":
            columns.append(
                f"case when substring({name}, 1, 1) in ({risky}) then '''' || {name}"
                f" else {name} end as {name}"
            )
        elif midnight.get(column):
            columns.append(f"cast({name} as date) as {name}")
        else:
            columns.append(_as_read(column, column_type))
    return columns


def _write_csv(
    con: duckdb.DuckDBPyConnection, relation: str, column_types: dict[str, str], path: str
) -> None:
    """The mart as is, in its own row order, one batch at a time. RFC 4180's CRLF: the csv
    writer then also quotes a field holding a bare carriage return, which readers would
    otherwise take for the end of the row."""
    columns = ", ".join(_csv_columns(con, relation, column_types))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(column_types)
        for batch in _batches(con, f"select {columns} from {_ident(relation)}"):
            writer.writerows(batch)
