"""The finance workbook and CSVs, opened with openpyxl / pandas, never by eye.

1. A small hand-made pair of reports: exact sheets, headers, freeze panes, autofilter, number
   formats, overdue fill + marker, sort order, values, CSVs.
2. The demo build: the files written from the real marts agree with the marts.
3. The Dagster asset writes them into <PULSE_REPORTS_DIR>/finance/<as_of>/ with metadata.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from orchestration.assets.finance_reports import AGING_SUMMARY_SQL
from orchestration.reports.finance_workbook import (
    ABOUT_SHEET,
    AGING_SHEET,
    DELAY_SHEET,
    OVERDUE_MARKER,
    SUMMARY_SHEET,
    finance_report_dir,
    write_finance_reports,
)
from tests.helpers import query_df

AS_OF = dt.date(2025, 6, 30)
OVERDUE_RGB = "FFF4CCCC"  # the light red fill of an overdue row, as openpyxl reads it (ARGB)

AGING_HEADERS = [
    "Status",
    "Invoice",
    "Customer ID",
    "Company",
    "Segment",
    "Issued",
    "Due",
    "Days past due",
    "Aging bucket",
    "Amount (EUR)",
    "Paid (EUR)",
    "Open (EUR)",
    "Invoice currency",
    "Amount in invoice currency",
    "Reminders sent",
    "Last reminder",
]


def _aging() -> pd.DataFrame:
    ts = pd.Timestamp
    return pd.DataFrame(
        {
            "invoice_id": ["INV-CUR", "INV-OLD", "INV-1D"],
            "as_of_date": [ts(AS_OF)] * 3,
            "reporting_currency": ["EUR"] * 3,
            "customer_id": ["C1", "C2", "C1"],
            "company_name": ["Acme GmbH", "Globex SA", "Acme GmbH"],
            "segment": ["smb", "enterprise", "smb"],
            "issued_at": [ts("2025-06-10"), ts("2025-01-05"), ts("2025-05-30")],
            "due_at": [ts("2025-07-10"), ts("2025-02-04"), ts("2025-06-29")],
            "currency": ["EUR", "USD", "EUR"],
            "amount_local": [100.0, 2200.0, 50.0],
            "amount": [100.0, 2000.0, 50.0],
            "paid_amount": [0.0, 765.5, 20.0],
            "open_amount": [100.0, 1234.5, 30.0],
            "days_past_due": [0, 146, 1],
            "is_overdue": [False, True, True],
            "aging_bucket": ["current", "90+", "1-30"],
            "bucket_order": [1, 5, 2],
            "reminders_sent": [0, 3, 1],
            "last_reminder_date": [pd.NaT, ts("2025-03-01"), ts("2025-06-30")],
        }
    )


def _delay() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "as_of_date": [pd.Timestamp(AS_OF)] * 3,
            "reporting_currency": ["EUR"] * 3,
            "company_name": ["Acme GmbH", "Globex SA", None],
            "segment": ["smb", "enterprise", "unknown"],
            "payer_category": ["occasionally_late", "severely_overdue", "on_time"],
            "invoices": [5, 3, 1],
            "invoiced_amount": [500.0, 6000.0, 10.0],
            "invoices_paid": [3, 2, 1],
            "invoices_paid_late": [1, 2, 0],
            "on_time_rate_pct": [66.67, 0.0, 100.0],
            "avg_days_late": [3.33, 12.5, 0.0],
            "max_days_late": [10, 20, 0],
            "open_invoices": [2, 1, 0],
            "open_amount": [130.0, 1234.5, 0.0],
            "open_past_due_invoices": [1, 1, 0],
            "open_past_due_amount": [30.0, 1234.5, 0.0],
            "max_days_past_due": [1, 146, None],
            "reminders_sent": [1, 3, 0],
            "paid_after_reminder": [0, 1, 0],
            "trend_window_days": [90, 90, 90],
            "invoices_paid_last_window": [1, 0, 1],
            "avg_days_late_last_window": [10.0, None, 0.0],
            "invoices_paid_prior_window": [2, 2, 0],
            "avg_days_late_prior_window": [0.0, 12.5, None],
            "days_late_trend": ["insufficient_data"] * 3,
        }
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = finance_report_dir(tmp_path_factory.mktemp("reports"), AS_OF)
    files = write_finance_reports(_aging(), _delay(), out, as_of_date=AS_OF)
    return files, load_workbook(files.workbook)


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_files_land_in_the_dated_folder(small):
    files, _ = small
    assert files.folder.parts[-2:] == ("finance", "2025-06-30")
    assert files.workbook == files.folder / "finance_reports_2025-06-30.xlsx"
    assert sorted(p.name for p in files.folder.iterdir()) == [
        "finance_reports_2025-06-30.xlsx",
        "rpt_invoice_aging.csv",
        "rpt_payment_delay_by_customer.csv",
    ]
    assert files.currency == "EUR"  # from the marts' reporting_currency column
    assert files.row_counts == {"rpt_invoice_aging": 3, "rpt_payment_delay_by_customer": 3}
    assert files.overdue_rows == {AGING_SHEET: 2, DELAY_SHEET: 2}
    assert files.total_open_amount == pytest.approx(1364.5)
    assert files.total_overdue_amount == pytest.approx(1264.5)


def test_sheets_headers_frozen_and_filtered(small):
    _, wb = small
    assert wb.sheetnames == [AGING_SHEET, DELAY_SHEET, ABOUT_SHEET]
    aging, delay = wb[AGING_SHEET], wb[DELAY_SHEET]
    assert [c.value for c in aging[1]] == AGING_HEADERS
    delay_headers = [c.value for c in delay[1]]
    assert delay_headers[:6] == [
        "Status",
        "Customer ID",
        "Company",
        "Segment",
        "Payer category",
        "Open (EUR)",
    ]
    assert "Paid, last 90 days" in delay_headers
    for ws in (aging, delay):
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}4"
        assert ws.max_row == 4  # header + 3 rows
        # widths were set: every column at least wide enough for a short header
        for col in range(1, ws.max_column + 1):
            letter = ws.cell(1, col).column_letter
            assert ws.column_dimensions[letter].width >= 8


def test_aging_rows_sorted_marked_highlighted_and_formatted(small):
    _, wb = small
    ws = wb[AGING_SHEET]
    rows = _rows(ws)
    # oldest debt first; overdue rows carry the text marker, the current one none
    assert [r[1] for r in rows] == ["INV-OLD", "INV-1D", "INV-CUR"]
    assert [r[0] for r in rows] == [OVERDUE_MARKER, OVERDUE_MARKER, None]
    old = dict(zip(AGING_HEADERS, rows[0], strict=True))
    assert old["Company"] == "Globex SA"
    assert old["Open (EUR)"] == pytest.approx(1234.5)
    assert old["Paid (EUR)"] == pytest.approx(765.5)
    assert old["Days past due"] == 146
    assert old["Aging bucket"] == "90+"
    assert old["Due"].date() == dt.date(2025, 2, 4)
    assert old["Last reminder"].date() == dt.date(2025, 3, 1)
    assert dict(zip(AGING_HEADERS, rows[2], strict=True))["Last reminder"] is None

    # fill on every cell of an overdue row, none on the current one
    for row_number, overdue in ((2, True), (3, True), (4, False)):
        fills = {ws.cell(row_number, c).fill.fgColor.rgb for c in range(1, ws.max_column + 1)}
        assert fills == ({OVERDUE_RGB} if overdue else {"00000000"})

    money_cols = [AGING_HEADERS.index(h) + 1 for h in ("Amount (EUR)", "Paid (EUR)", "Open (EUR)")]
    for row_number in range(2, 5):
        for col in money_cols:
            assert ws.cell(row_number, col).number_format == '#,##0.00 "EUR"'
        assert ws.cell(row_number, AGING_HEADERS.index("Due") + 1).number_format == "yyyy-mm-dd"
    # the invoice-currency amount is not formatted as reporting-currency money
    local = ws.cell(2, AGING_HEADERS.index("Amount in invoice currency") + 1)
    assert local.value == pytest.approx(2200.0)
    assert "EUR" not in local.number_format


def test_delay_sheet_most_urgent_payers_first(small):
    _, wb = small
    ws = wb[DELAY_SHEET]
    headers = [c.value for c in ws[1]]
    rows = [dict(zip(headers, r, strict=True)) for r in _rows(ws)]
    assert [r["Payer category"] for r in rows] == [
        "severely_overdue",
        "occasionally_late",
        "on_time",
    ]
    assert [r["Status"] for r in rows] == [OVERDUE_MARKER, OVERDUE_MARKER, None]
    assert rows[0]["Overdue (EUR)"] == pytest.approx(1234.5)
    assert rows[1]["On-time rate %"] == pytest.approx(66.67)
    assert rows[2]["Company"] is None and rows[2]["Max days past due"] is None
    assert ws.cell(2, headers.index("Overdue (EUR)") + 1).number_format == '#,##0.00 "EUR"'
    assert ws.cell(4, 2).fill.fgColor.rgb == "00000000"
    assert ws.cell(2, 2).fill.fgColor.rgb == OVERDUE_RGB


def test_about_sheet(small):
    _, wb = small
    about = {r[0]: r[1] for r in wb[ABOUT_SHEET].iter_rows(values_only=True) if r[0]}
    assert about["As of date"].date() == AS_OF
    assert about["Amounts in"] == "EUR"
    assert about["Open invoices"] == 3
    assert about["Total open"] == pytest.approx(1364.5)


def test_csvs_are_the_marts_as_is(small):
    files, _ = small
    aging = pd.read_csv(files.csvs["rpt_invoice_aging"], keep_default_na=False)
    assert list(aging.columns) == list(_aging().columns)
    assert aging["invoice_id"].tolist() == ["INV-CUR", "INV-OLD", "INV-1D"]
    assert aging["due_at"].tolist() == ["2025-07-10", "2025-02-04", "2025-06-29"]
    assert aging["last_reminder_date"].tolist() == ["", "2025-03-01", "2025-06-30"]
    assert aging["open_amount"].astype(float).sum() == pytest.approx(1364.5)
    delay = pd.read_csv(files.csvs["rpt_payment_delay_by_customer"])
    assert list(delay.columns) == list(_delay().columns)
    assert len(delay) == 3


def test_rewrite_replaces_the_files(tmp_path):
    out = finance_report_dir(tmp_path, AS_OF)
    write_finance_reports(_aging(), _delay(), out, as_of_date=AS_OF)
    files = write_finance_reports(_aging().iloc[:1], _delay(), out, as_of_date=AS_OF)
    assert load_workbook(files.workbook)[AGING_SHEET].max_row == 2
    assert len(pd.read_csv(files.csvs["rpt_invoice_aging"])) == 1
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_empty_reports_still_write_headers(tmp_path):
    files = write_finance_reports(
        _aging().iloc[:0], _delay().iloc[:0], tmp_path, as_of_date=AS_OF, currency="usd"
    )
    ws = load_workbook(files.workbook)[AGING_SHEET]
    assert ws.max_row == 1 and ws.freeze_panes == "A2"
    assert ws.cell(1, 10).value == "Amount (USD)"
    assert files.total_open_amount == 0


def test_missing_column_is_refused(tmp_path):
    with pytest.raises(ValueError, match="open_amount"):
        write_finance_reports(
            _aging().drop(columns="open_amount"), _delay(), tmp_path, as_of_date=AS_OF
        )


# --- streaming: DuckDB batches into XlsxWriter's constant-memory mode ------------------------


def test_workbook_opens_with_money_as_money_and_dates_as_dates(small):
    files, _ = small
    wb = load_workbook(files.workbook)
    ws = wb[AGING_SHEET]
    col = {header: AGING_HEADERS.index(header) + 1 for header in AGING_HEADERS}
    # row 2 is INV-OLD (oldest debt first): open 2000 - 765.50 = 1234.50, due 2025-02-04
    money = ws.cell(2, col["Open (EUR)"])
    assert money.data_type == "n" and money.value == pytest.approx(1234.5)
    assert money.number_format == '#,##0.00 "EUR"'
    due = ws.cell(2, col["Due"])
    assert due.is_date and due.value == dt.datetime(2025, 2, 4)
    assert due.number_format == "yyyy-mm-dd"
    days = ws.cell(2, col["Days past due"])
    assert (days.value, days.number_format) == (146, "#,##0")
    # a null is an empty cell: INV-CUR (row 4) was never reminded
    assert ws.cell(4, col["Last reminder"]).value is None
    as_of = wb[ABOUT_SHEET].cell(2, 2)
    assert as_of.is_date and as_of.value == dt.datetime(2025, 6, 30)


def test_workbook_is_written_in_constant_memory_mode(small):
    """Strings inline in each row (XlsxWriter's constant-memory mode), not collected in a
    shared-strings table that lives in memory until the file is saved."""
    files, _ = small
    with zipfile.ZipFile(files.workbook) as archive:
        names = set(archive.namelist())
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "xl/sharedStrings.xml" not in names
    assert 't="inlineStr"' in sheet


def test_marts_are_read_in_batches_in_the_order_of_the_sheets(tmp_path, monkeypatch):
    from orchestration.reports import finance_workbook

    batches: list[int] = []
    read = finance_workbook._batches

    def counted(con, sql):
        for batch in read(con, sql):
            batches.append(len(batch))
            yield batch

    monkeypatch.setattr(finance_workbook, "BATCH_ROWS", 2)
    monkeypatch.setattr(finance_workbook, "_batches", counted)
    con = duckdb.connect()
    try:
        for name, frame in (
            ("rpt_invoice_aging", _aging()),
            ("rpt_payment_delay_by_customer", _delay()),
        ):
            con.register("frame", frame)
            con.execute(f"create table {name} as select * from frame")
            con.unregister("frame")
        files = finance_workbook.write_finance_reports_from(con, tmp_path, as_of_date=AS_OF)
    finally:
        con.close()

    # 3 rows per mart, 2 at a time: the two sheets and the two CSVs each read 2 + 1
    assert batches == [2, 1] * 4
    wb = load_workbook(files.workbook)
    aging = _rows(wb[AGING_SHEET])
    assert [r[1] for r in aging] == ["INV-OLD", "INV-1D", "INV-CUR"]
    assert [r[0] for r in aging] == [OVERDUE_MARKER, OVERDUE_MARKER, None]
    assert [r[4] for r in _rows(wb[DELAY_SHEET])] == [
        "severely_overdue",
        "occasionally_late",
        "on_time",
    ]
    assert wb[AGING_SHEET].auto_filter.ref == "A1:P4"
    csv_rows = pd.read_csv(files.csvs["rpt_invoice_aging"])
    assert csv_rows["invoice_id"].tolist() == ["INV-CUR", "INV-OLD", "INV-1D"]  # the mart's order
    assert files.row_counts == {"rpt_invoice_aging": 3, "rpt_payment_delay_by_customer": 3}
    assert files.total_overdue_amount == pytest.approx(1264.5)  # 1234.50 + 30


def test_a_failed_workbook_leaves_no_temporary_files(tmp_path, monkeypatch):
    """XlsxWriter spools each sheet's rows (company names included) to temporary files: a
    write that fails halfway leaves none, neither beside the reports nor in the temp folder."""
    import tempfile

    from orchestration.reports import finance_workbook

    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(finance_workbook, "_write_about", fail)
    out = tmp_path / "finance"
    with pytest.raises(RuntimeError, match="disk full"):
        write_finance_reports(_aging(), _delay(), out, as_of_date=AS_OF)
    assert list(out.iterdir()) == []
    assert list(system_temp.iterdir()) == []


# --- the aging summary sheet and the print layout -------------------------------------------

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
# rpt_aging_summary's non-zero cells for the three invoices of _aging(): (bucket, segment) ->
# (invoices, open amount): INV-CUR smb current 100, INV-1D smb 1-30 30, INV-OLD enterprise 90+
OPEN_CELLS = {
    ("current", "smb"): (1, "100.00"),
    ("1-30", "smb"): (1, "30.00"),
    ("90+", "enterprise"): (1, "1234.50"),
}


def _summary_from_mart() -> pd.DataFrame:
    """AGING_SUMMARY_SQL over rpt_aging_summary as the mart holds _aging()'s invoices: every
    bucket crossed with every segment, 0 where nothing is open."""
    con = duckdb.connect()
    try:
        con.execute(
            "create table rpt_aging_summary (aging_bucket varchar, segment varchar,"
            " bucket_order integer, invoices integer, open_amount decimal(18, 4))"
        )
        con.executemany(
            "insert into rpt_aging_summary values (?, ?, ?, ?, ?)",
            [
                (bucket, segment, order, *OPEN_CELLS.get((bucket, segment), (0, "0")))
                for order, bucket in enumerate(BUCKETS, start=1)
                for segment in ("smb", "enterprise")
            ],
        )
        return con.execute(AGING_SUMMARY_SQL).df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def summarised(tmp_path_factory):
    out = tmp_path_factory.mktemp("summary")
    files = write_finance_reports(
        _aging(), _delay(), out, as_of_date=AS_OF, summary=_summary_from_mart()
    )
    return load_workbook(files.workbook)


def test_aging_summary_totals_are_the_sums_of_the_invoices(summarised):
    wb = summarised
    assert wb.sheetnames == [SUMMARY_SHEET, AGING_SHEET, DELAY_SHEET, ABOUT_SHEET]
    ws = wb[SUMMARY_SHEET]
    assert [c.value for c in ws[1]] == [
        "Segment",
        "current (EUR)",
        "1-30 (EUR)",
        "31-60 (EUR)",
        "61-90 (EUR)",
        "90+ (EUR)",
        "Total (EUR)",
        "Open invoices",
    ]
    # by hand from _aging(): smb 100 current + 30 in 1-30 = 130 over 2 invoices; enterprise
    # 1234.50 in 90+; all segments 100 + 30 + 1234.50 = 1364.50 over 3 invoices
    assert _rows(ws) == [
        ["enterprise", 0, 0, 0, 0, 1234.5, 1234.5, 1],
        ["smb", 100, 30, 0, 0, 0, 130, 2],
        ["All segments", 100, 30, 0, 0, 1234.5, 1364.5, 3],
    ]
    assert ws.freeze_panes == "B2"
    assert all(c.font.bold for c in ws[4])  # the total row
    for col in range(2, 8):
        assert ws.cell(4, col).number_format == '#,##0.00 "EUR"'
    assert ws.cell(4, 8).number_format == "#,##0"
    about = {r[0]: r[1] for r in wb[ABOUT_SHEET].iter_rows(values_only=True) if r[0]}
    assert "per aging bucket and customer segment" in about[SUMMARY_SHEET]


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_each_page(small, summarised):
    _, plain = small
    sheets = [plain[name] for name in plain.sheetnames] + [summarised[SUMMARY_SHEET]]
    for ws in sheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # an absent fitToWidth is the file format's default, 1 (ECMA-376 Part 1, pageSetup)
        width = 1 if ws.page_setup.fitToWidth is None else ws.page_setup.fitToWidth
        assert (width, ws.page_setup.fitToHeight) == (1, 0), ws.title
        expected = None if ws.title == ABOUT_SHEET else "$1:$1"
        assert ws.print_title_rows == expected, ws.title


# --- on the demo build ---------------------------------------------------------------------


def test_demo_workbook_matches_the_marts(demo_build, tmp_path):
    wh = demo_build["warehouse"]
    as_of = dt.date.fromisoformat(demo_build["as_of"])
    aging = query_df(wh, "select * from rpt_invoice_aging")
    delay = query_df(wh, "select * from rpt_payment_delay_by_customer")
    assert len(aging) > 50 and len(delay) > 50

    files = write_finance_reports(
        aging, delay, finance_report_dir(tmp_path, as_of), as_of_date=as_of
    )
    wb = load_workbook(files.workbook)
    ws = wb[AGING_SHEET]
    headers = [c.value for c in ws[1]]
    rows = [dict(zip(headers, r, strict=True)) for r in _rows(ws)]
    assert len(rows) == len(aging)
    assert {r["Invoice"] for r in rows} == set(aging["invoice_id"])
    assert sum(r["Open (USD)"] for r in rows) == pytest.approx(float(aging["open_amount"].sum()))
    # marker and fill exactly on the overdue invoices of the mart
    overdue_ids = set(aging.loc[aging["is_overdue"], "invoice_id"])
    assert {r["Invoice"] for r in rows if r["Status"] == OVERDUE_MARKER} == overdue_ids
    filled = {
        ws.cell(i, 2).value
        for i in range(2, ws.max_row + 1)
        if ws.cell(i, 2).fill.fgColor.rgb == OVERDUE_RGB
    }
    assert filled == overdue_ids
    days = [r["Days past due"] for r in rows]
    assert days == sorted(days, reverse=True)
    # one invoice checked cell by cell against the mart
    sample = aging.sort_values("invoice_id").iloc[0]
    row = next(r for r in rows if r["Invoice"] == sample["invoice_id"])
    assert row["Open (USD)"] == pytest.approx(float(sample["open_amount"]))
    assert row["Due"].date() == sample["due_at"].date()
    assert row["Aging bucket"] == sample["aging_bucket"]

    ws = wb[DELAY_SHEET]
    assert ws.max_row == len(delay) + 1
    headers = [c.value for c in ws[1]]
    by_customer = {r[1]: dict(zip(headers, r, strict=True)) for r in _rows(ws)}
    for rec in delay.head(20).itertuples():
        got = by_customer[rec.customer_id]
        assert got["Payer category"] == rec.payer_category
        assert got["Invoices paid"] == rec.invoices_paid
        assert got["Overdue (USD)"] == pytest.approx(float(rec.open_past_due_amount))

    assert len(pd.read_csv(files.csvs["rpt_invoice_aging"])) == len(aging)
    assert len(pd.read_csv(files.csvs["rpt_payment_delay_by_customer"])) == len(delay)


def test_dagster_asset_writes_the_dated_folder(demo_build, tmp_path, monkeypatch):
    import datetime as dt

    import duckdb
    from dagster import materialize

    from orchestration.assets.finance_reports import finance_reports
    from orchestration.publish import publish
    from orchestration.resources import PulseSettings

    # The asset reads the published serving copy (audited data), not the working warehouse.
    marts = [
        ("main", "rpt_aging_summary"),
        ("main", "rpt_invoice_aging"),
        ("main", "rpt_payment_delay_by_customer"),
    ]
    con = duckdb.connect(str(demo_build["warehouse"]))  # publishing attaches a new file
    try:
        publish(
            con, tmp_path / "serving", marts, "run-x", dt.date.fromisoformat(demo_build["as_of"])
        )
    finally:
        con.close()
    monkeypatch.setenv("PULSE_SERVING_DIR", str(tmp_path / "serving"))
    monkeypatch.setenv("PULSE_WAREHOUSE", str(demo_build["warehouse"]))
    monkeypatch.setenv("PULSE_AS_OF_DATE", demo_build["as_of"])
    monkeypatch.setenv("PULSE_REPORTS_DIR", str(tmp_path / "reports"))
    result = materialize([finance_reports], resources={"pulse": PulseSettings()})
    assert result.success

    folder = tmp_path / "reports" / "finance" / demo_build["as_of"]
    workbook = folder / f"finance_reports_{demo_build['as_of']}.xlsx"
    assert workbook.exists()
    assert (folder / "rpt_invoice_aging.csv").exists()
    assert (folder / "rpt_payment_delay_by_customer.csv").exists()

    meta = result.asset_materializations_for_node("finance_reports")[0].metadata
    n_open, total_open = (
        query_df(
            demo_build["warehouse"],
            "select count(*) as n, sum(open_amount) as s from rpt_invoice_aging",
        )
        .iloc[0]
        .tolist()
    )
    assert meta["open_invoices"].value == n_open
    assert meta["total_open_amount"].value == pytest.approx(float(total_open), abs=0.01)
    assert Path(meta["workbook"].value) == workbook
    wb = load_workbook(workbook)
    assert wb.sheetnames == [SUMMARY_SHEET, AGING_SHEET, DELAY_SHEET, ABOUT_SHEET]
    # the summary's total of all segments and buckets is the open amount of every open invoice
    summary = wb[SUMMARY_SHEET]
    total_row = [c.value for c in summary[summary.max_row]]
    assert total_row[0] == "All segments"
    assert total_row[-2] == pytest.approx(float(total_open), abs=0.01)
    assert total_row[-1] == n_open
