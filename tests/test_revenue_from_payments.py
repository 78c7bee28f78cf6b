"""Revenue, CLV and paid invoices come from the payments, never from the export's invoice
status (informational in the contract): a billing export whose status column never says
'paid' still gives every paying customer its revenue. Expected values computed by hand below.

Landing (as of 2025-06-30; every invoice exported 'open' or 'void'):
  C1 (USD)  I1 100 paid by P1 100; I2 100 paid by P2 60 + P3 40, and P7 10 after the as-of
            date (ignored); I3 100 is void: its payment P4 100 does not count; I8 is issued
            after the as-of date: its payment P8 does not count.
  C2 (EUR)  I4 200 EUR paid by P5 200 EUR; I5 200 EUR partly paid, P6 50 EUR.
            EUR from 2025-01-01 = 1.04 USD (seeds/exchange_rates.csv), so 208.00 + 52.00.
  C3 (USD)  I6 50 open, no payment.

  customer  historical_revenue   paid_invoices
  C1        100 + 60 + 40 = 200  2 (I1, I2)
  C2        208 + 52 = 260       1 (I4; I5 is still open)
  C3        none (no row in int_customer_revenue; 0 in dim_customer_clv)

CLV: every customer started 2025-01-01 and is active, so tenure = 180 days = 180 / 30.4375
months; nobody churned, so the expected lifetime is the cap, 60 months; gross margin 0.75:
  clv = revenue / (180 / 30.4375) * 0.75 * 60 = revenue * 30.4375 / 4
  C1: 200 * 30.4375 / 4 = 1521.875     C2: 260 * 30.4375 / 4 = 1978.4375     C3: 0
"""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.config import PROJECT_ROOT
from tests.helpers import ingest, query, run_dbt

AS_OF = "2025-06-30"
EUR_2025 = "1.04"  # seeds/exchange_rates.csv: EUR valid from 2025-01-01

FILES = {
    "customers/2025-01.csv": """
        customer_id,segment,acquisition_channel,created_at
        C1,smb,organic,2025-01-01T00:00:00Z
        C2,mid_market,partner,2025-01-01T00:00:00Z
        C3,enterprise,events,2025-01-01T00:00:00Z
        """,
    "subscriptions/2025-01.csv": """
        subscription_id,customer_id,plan,mrr,currency,started_at,ended_at
        S1,C1,starter,100,USD,2025-01-01,
        S2,C2,growth,200,EUR,2025-01-01,
        S3,C3,starter,50,USD,2025-01-01,
        """,
    "invoices/2025-06.csv": """
        invoice_id,customer_id,issued_at,due_at,amount,currency,status
        I1,C1,2025-01-01,2025-01-31,100,USD,open
        I2,C1,2025-02-01,2025-03-03,100,USD,open
        I3,C1,2025-03-01,2025-03-31,100,USD,void
        I4,C2,2025-01-01,2025-01-31,200,EUR,open
        I5,C2,2025-02-01,2025-03-03,200,EUR,open
        I6,C3,2025-01-01,2025-01-31,50,USD,open
        I8,C1,2025-07-01,2025-07-31,100,USD,open
        """,
    "payments/2025-07.csv": """
        payment_id,invoice_id,paid_at,amount
        P1,I1,2025-01-15,100
        P2,I2,2025-02-10,60
        P3,I2,2025-02-20,40
        P4,I3,2025-03-05,100
        P5,I4,2025-01-20,200
        P6,I5,2025-02-15,50
        P7,I2,2025-07-05,10
        P8,I8,2025-06-30,100
        """,
}

DATA_TEST = "assert_customers_with_payments_have_revenue"


def write_landing(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("revenue")
    warehouse = root / "wh" / "pulse.duckdb"
    ingest(write_landing(root / "landing", FILES), warehouse)
    # the models the CLV and the data test read, with their own tests, and the data test itself
    # in the same command (a second dbt command costs its start-up and parse again)
    selection = ["--select", f"+dim_customer_clv +{DATA_TEST}"]
    run_dbt(["build", *selection, "--indirect-selection", "cautious"], warehouse, AS_OF)
    return warehouse


def test_the_seed_still_has_the_rate_used_by_hand():
    rates = (PROJECT_ROOT / "seeds" / "exchange_rates.csv").read_text().splitlines()
    assert f"EUR,2025-01-01,{EUR_2025}" in rates


def test_revenue_and_paid_invoices_come_from_payments(built):
    rows = query(
        built,
        "select customer_id, paid_invoices, historical_revenue from int_customer_revenue"
        " order by customer_id",
    )
    assert rows == [("C1", 2, Decimal("200.0000")), ("C2", 1, Decimal("260.0000"))]


def test_clv_uses_the_payments_revenue(built):
    rows = query(
        built,
        "select customer_id, paid_invoices, historical_revenue, clv from dim_customer_clv"
        " order by customer_id",
    )
    assert [r[:3] for r in rows] == [
        ("C1", 2, Decimal("200.0000")),
        ("C2", 1, Decimal("260.0000")),
        ("C3", 0, Decimal("0.0000")),
    ]
    clv = {r[0]: r[3] for r in rows}
    assert clv["C1"] == pytest.approx(1521.875, rel=1e-12)
    assert clv["C2"] == pytest.approx(1978.4375, rel=1e-12)
    assert clv["C3"] == 0


def test_the_data_test_passes_on_an_export_that_never_says_paid(built):
    """tests/dbt/assert_customers_with_payments_have_revenue.sql ran in the fixture's build
    (run_dbt raises when it fails): its result there, from dbt's run results."""
    results = json.loads((built.parent / "dbt_target" / "run_results.json").read_text())
    statuses = [
        r["status"] for r in results["results"] if r["unique_id"] == f"test.pulse.{DATA_TEST}"
    ]
    assert statuses == ["pass"]
