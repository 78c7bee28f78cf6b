"""A row in a currency the exchange_rates seed does not know is held back by staging, not
converted to null: it is listed in rpt_quarantine (reason unknown_currency) and counted as
quarantined in rpt_load_files, the rest builds, and the row loads by itself on the first build
after its rate is added to the seed. The Nordic currencies ship in the seed.

Landing: the hand-made fixture landing plus (THB is not in the seed; NOK is)
  invoices/2025-02.csv         row 1 I100 C001 1000 NOK (issued 2025-02-01)
                               row 2 I101 C002 1000 THB                      -> held back
  payments/2025-03.csv         row 1 P100 on I101, 500 (THB, its invoice's)  -> held back
                               row 2 P101 on I100, 1000 (NOK)
  subscriptions/2025-02.csv    row 1 S100 C005 mrr 2000 THB                  -> held back
  marketing_spend/2025-02.csv  row 1 2025-02-01 paid_search brand_th 300 THB -> held back
                               row 2 2025-02-01 paid_search brand 100 (empty = USD)
By hand: NOK from 2025-01-01 is 0.088 USD, so I100 = 1000 x 0.088 = 88.0000.
After adding THB at 0.028 USD: I101 = 28.0000, S100 mrr = 56.0000, the spend 8.4000.
"""

from __future__ import annotations

import shutil
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.config import PROJECT_ROOT
from orchestration.contract import REASON_CODES
from tests.conftest import FIXTURES, write_usage_events
from tests.helpers import ingest, query, run_dbt

AS_OF = "2025-03-31"
# what the tests build: the staging layer, which holds the rows back, and the two reports read
# here, with everything they read
BUILT = "+path:models/staging +rpt_quarantine +rpt_load_files"
NOK_2025 = "0.088"  # seeds/exchange_rates.csv: NOK valid from 2025-01-01
THB_RATE = "0.028"  # added by the test

EXTRA_FILES = {
    "invoices/2025-02.csv": """
        invoice_id,customer_id,issued_at,due_at,amount,currency,status
        I100,C001,2025-02-01,2025-03-03,1000,NOK,open
        I101,C002,2025-02-01,2025-03-03,1000,THB,open
        """,
    "payments/2025-03.csv": """
        payment_id,invoice_id,paid_at,amount
        P100,I101,2025-02-20,500
        P101,I100,2025-02-21,1000
        """,
    "subscriptions/2025-02.csv": """
        subscription_id,customer_id,plan,mrr,currency,started_at,ended_at
        S100,C005,starter,2000,THB,2025-02-01,
        """,
    "marketing_spend/2025-02.csv": """
        spend_date,channel,campaign,amount,currency
        2025-02-01,paid_search,brand_th,300,THB
        2025-02-01,paid_search,brand,100,
        """,
}
HELD_BACK = [
    ("invoices", "invoices/2025-02.csv", 2, "I101"),
    ("marketing_spend", "marketing_spend/2025-02.csv", 1, "2025-02-01|paid_search|brand_th"),
    ("payments", "payments/2025-03.csv", 1, "P100"),
    ("subscriptions", "subscriptions/2025-02.csv", 1, "S100"),
]
UNKNOWN = (
    "select source_name, file_path, row_number, primary_key, reasons, is_resolved,"
    " resolved_at, quarantined_at is not null from rpt_quarantine"
    " where reason_code = 'unknown_currency' order by source_name"
)
FILES = (
    "select file_path, rows_read, rows_loaded, rows_quarantined, rows_held_back, is_reconciled"
    " from rpt_load_files where file_path in ({}) order by file_path"
).format(", ".join(f"'{p}'" for p in EXTRA_FILES))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("unknown_currency")
    landing = root / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    write_usage_events(landing)
    for rel, text in EXTRA_FILES.items():
        (landing / rel).write_text(textwrap.dedent(text).lstrip())
    warehouse = root / "wh" / "pulse.duckdb"
    ingest(landing, warehouse)
    # the staging layer, which holds the rows back, and the two reports read here, with the
    # seeds and their data tests (assert_staging_keeps_every_raw_key included): the health
    # history chain and the marts are not under test here; raises unless every model and test
    # it selects passes. Cautious: only the data tests whose every model is built (a test
    # joining to an unbuilt mart would fail).
    run_dbt(["build", "--select", BUILT, "--indirect-selection", "cautious"], warehouse, AS_OF)
    return warehouse


def test_nordic_currencies_ship_in_the_seed():
    rates = (PROJECT_ROOT / "seeds" / "exchange_rates.csv").read_text().splitlines()
    codes = {line.split(",")[0] for line in rates[1:]}
    wanted = {"NOK", "DKK", "SEK", "ISK", "EUR", "GBP", "USD", "CHF", "JPY", "CAD", "AUD"}
    assert wanted <= codes
    assert f"NOK,2025-01-01,{NOK_2025}" in rates
    assert "THB" not in codes  # the test's unknown currency


def test_unknown_currency_is_a_documented_reason_code():
    assert "unknown_currency" in REASON_CODES


def test_rows_in_an_unknown_currency_are_held_back_and_listed(warehouse):
    rows = query(warehouse, UNKNOWN)
    assert rows == [(s, f, n, k, "unknown_currency", False, None, True) for s, f, n, k in HELD_BACK]
    assert query(
        warehouse,
        "select invoice_id, amount from stg_billing__invoices where invoice_id in ('I100', 'I101')",
    ) == [("I100", Decimal("88.0000"))]
    assert query(
        warehouse,
        "select payment_id from stg_billing__payments where payment_id in ('P100', 'P101')",
    ) == [("P101",)]
    assert query(
        warehouse, "select count(*) from stg_billing__subscriptions where subscription_id = 'S100'"
    ) == [(0,)]
    assert query(
        warehouse,
        "select campaign from stg_marketing__marketing_spend where spend_date = date '2025-02-01'",
    ) == [("brand",)]


def test_load_files_count_held_back_rows_as_quarantined(warehouse):
    assert query(warehouse, FILES) == [
        ("invoices/2025-02.csv", 2, 1, 1, 1, True),
        ("marketing_spend/2025-02.csv", 2, 1, 1, 1, True),
        ("payments/2025-03.csv", 2, 1, 1, 1, True),
        ("subscriptions/2025-02.csv", 1, 0, 1, 1, True),
    ]


def test_a_rate_added_to_the_seed_releases_the_rows_on_the_next_build(warehouse, tmp_path):
    # a copy: the other tests keep the first build
    warehouse = Path(shutil.copy(warehouse, tmp_path / "pulse.duckdb"))
    # what `dbt seed` does with a THB row added to seeds/exchange_rates.csv, without touching
    # the repository's seed file: the built seed table gets the row
    con = duckdb.connect(str(warehouse))
    con.execute(f"insert into main.exchange_rates values ('THB', date '2020-01-01', {THB_RATE})")
    con.close()
    # the next build of the same models (staging tables, the list of held-back rows, the
    # reports), with their tests; not the seeds, which would reload the file
    run_dbt(
        ["build", "--select", BUILT, "--exclude", "resource_type:seed"]
        + ["--indirect-selection", "cautious"],
        warehouse,
        AS_OF,
    )

    assert query(warehouse, UNKNOWN) == []
    assert query(
        warehouse,
        "select invoice_id, amount from stg_billing__invoices where"
        " invoice_id in ('I100', 'I101') order by 1",
    ) == [
        ("I100", Decimal("88.0000")),
        ("I101", Decimal("28.0000")),
    ]
    assert query(
        warehouse,
        "select payment_id from stg_billing__payments where"
        " payment_id in ('P100', 'P101') order by 1",
    ) == [("P100",), ("P101",)]
    assert query(
        warehouse, "select mrr from stg_billing__subscriptions where subscription_id = 'S100'"
    ) == [(Decimal("56.0000"),)]
    assert query(
        warehouse, "select amount from stg_marketing__marketing_spend where campaign = 'brand_th'"
    ) == [(Decimal("8.4000"),)]
    assert query(warehouse, FILES) == [
        ("invoices/2025-02.csv", 2, 2, 0, 0, True),
        ("marketing_spend/2025-02.csv", 2, 2, 0, 0, True),
        ("payments/2025-03.csv", 2, 2, 0, 0, True),
        ("subscriptions/2025-02.csv", 1, 1, 0, 0, True),
    ]
