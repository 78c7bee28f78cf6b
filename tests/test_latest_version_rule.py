"""Which version of a re-delivered key wins: the newest updated_at where the source has that
optional column, else the version from the file loaded last, then the later row of the file
(orchestration/contract.py, macros/dedupe_latest.sql). An older export that arrives late must
not overwrite a newer one.

Invoices (files load in path order; 2025-03.csv also in a later run):
  I1  2025-02.csv  updated 2025-02-10, 120, paid  <- wins: the newest updated_at
      2025-03.csv  updated 2025-01-05, 100, open     (an older export loaded later)
  I2  2025-02.csv  updated_at empty,   50            (no updated_at: the file order decides)
      2025-03.csv  updated_at empty,   55         <- wins: the file loaded last
  I3  2025-02.csv  updated 2025-02-01, 70         <- wins: a version with updated_at beats
      2025-03.csv  updated_at empty,   75            one without
  I4  2025-02.csv  updated 2025-02-01 10:00, 80
      2025-03.csv  updated 2025-02-01 11:00+02:00 (09:00 UTC), 85; then again, same time,
                   as a later row, 86             <- I4's first version wins: 10:00 UTC is newer
  I5  2025-02.csv  updated 2025-02-01, 90
      2025-03.csv  updated 2025-02-01, 95         <- wins: equal updated_at, the later file
Customers, files WITHOUT the updated_at column (still load; the later file wins):
  C1  2025-01.csv smb, 2025-02.csv mid_market     <- mid_market
"""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.contract import SOURCES_BY_NAME, UPDATED_AT
from tests.helpers import PARSE_STATE_AS_OF, ingest, query, run_dbt

# No model built here reads the as-of date (staging keeps the latest version whatever the
# day): the session parse state's date, so dbt re-parses none of the models that do read it.
AS_OF = PARSE_STATE_AS_OF

FIRST_RUN = {
    "customers/2025-01.csv": """
        customer_id,segment,acquisition_channel,created_at
        C1,smb,organic,2025-01-01T00:00:00Z
        """,
    "customers/2025-02.csv": """
        customer_id,segment,acquisition_channel,created_at
        C1,mid_market,organic,2025-01-01T00:00:00Z
        """,
    "invoices/2025-02.csv": """
        invoice_id,customer_id,issued_at,due_at,amount,currency,status,updated_at
        I1,C1,2025-01-01,2025-01-31,120,USD,paid,2025-02-10T08:00:00Z
        I2,C1,2025-01-01,2025-01-31,50,USD,open,
        I3,C1,2025-01-01,2025-01-31,70,USD,open,2025-02-01
        I4,C1,2025-01-01,2025-01-31,80,USD,open,2025-02-01T10:00:00Z
        I5,C1,2025-01-01,2025-01-31,90,USD,open,2025-02-01
        """,
}
SECOND_RUN = {
    "invoices/2025-03.csv": """
        invoice_id,customer_id,issued_at,due_at,amount,currency,status,updated_at
        I1,C1,2025-01-01,2025-01-31,100,USD,open,2025-01-05T08:00:00Z
        I2,C1,2025-01-01,2025-01-31,55,USD,open,
        I3,C1,2025-01-01,2025-01-31,75,USD,open,
        I4,C1,2025-01-01,2025-01-31,85,USD,open,2025-02-01T11:00:00+02:00
        I4,C1,2025-01-01,2025-01-31,86,USD,open,2025-02-01T11:00:00+02:00
        I5,C1,2025-01-01,2025-01-31,95,USD,open,2025-02-01
        """,
}
EXPECTED_INVOICES = [
    ("I1", Decimal("120.0000"), "paid"),
    ("I2", Decimal("55.0000"), "open"),
    ("I3", Decimal("70.0000"), "open"),
    ("I4", Decimal("80.0000"), "open"),
    ("I5", Decimal("95.0000"), "open"),
]
BUILD = [
    "build",
    "--select",
    "+stg_billing__invoices stg_crm__customers",
    "--indirect-selection",
    "cautious",
]


def write_files(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def staged(warehouse: Path) -> tuple[list, list]:
    invoices = query(
        warehouse, "select invoice_id, amount, status from stg_billing__invoices order by 1"
    )
    customers = query(warehouse, "select customer_id, segment from stg_crm__customers")
    return invoices, customers


def test_newest_updated_at_wins_over_the_file_loaded_last(tmp_path: Path) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "pulse.duckdb"
    ingest(write_files(landing, FIRST_RUN), warehouse, run_id="first")
    ingest(write_files(landing, SECOND_RUN), warehouse, run_id="second")
    run_dbt(BUILD, warehouse, AS_OF)
    invoices, customers = staged(warehouse)
    assert invoices == EXPECTED_INVOICES
    assert customers == [("C1", "mid_market")]


def test_a_warehouse_created_before_updated_at_gets_the_column(tmp_path: Path) -> None:
    """Raw tables created without updated_at (an existing warehouse) gain it on the next load:
    earlier rows keep their values (updated_at null), new files load with theirs."""
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "pulse.duckdb"
    ingest(write_files(landing, FIRST_RUN), warehouse, run_id="first")
    con = duckdb.connect(str(warehouse))
    # the raw invoices table as it was before the contract had updated_at
    con.execute(f"alter table raw.invoices drop column {UPDATED_AT}")
    con.close()
    ingest(write_files(landing, SECOND_RUN), warehouse, run_id="second")
    columns = [
        r[0]
        for r in query(
            warehouse,
            "select column_name from information_schema.columns where table_schema = 'raw'"
            " and table_name = 'invoices' order by ordinal_position",
        )
    ]
    contract = SOURCES_BY_NAME["invoices"].column_names
    assert columns == [*contract, "_extra", "_file_id", "_row_number", "_loaded_at"]
    loaded = query(
        warehouse,
        "select _file_id, count(*), count(updated_at) from raw.invoices group by 1 order by 1",
    )
    # the first file's 5 rows lost their updated_at with the column; the second's kept 4 of 6
    assert [r[1:] for r in loaded] == [(5, 0), (6, 4)]
    run_dbt(BUILD, warehouse, AS_OF)
    invoices, _ = staged(warehouse)
    # the first file's versions have no updated_at any more: a later version with one wins
    # (I1, I4's later row, I5), else the later file (I2, I3)
    assert invoices == [
        ("I1", Decimal("100.0000"), "open"),
        ("I2", Decimal("55.0000"), "open"),
        ("I3", Decimal("75.0000"), "open"),
        ("I4", Decimal("86.0000"), "open"),
        ("I5", Decimal("95.0000"), "open"),
    ]
