"""Unmodified vendor exports in the shipped profiles produce the finance, CX and acquisition marts.

The landing (tests/fixtures/vendor_landing/) holds vendor exports only: four HubSpot companies
(the master), their four Stripe customers with subscriptions, five invoices and five charges,
a Zendesk ticket export in zendesk/csat/, and the Google Ads and Meta Ads reports of
tests/fixtures/vendor_exports/ copied byte for byte (both NOK accounts). As of 2026-01-31,
reporting currency USD; rates from seeds/exchange_rates.csv (EUR 1.04, NOK 0.088, both valid
from 2025-01-01). Every Stripe and Zendesk key resolves to the CRM company by its e-mail domain.

    HubSpot Record ID  company                 employees  segment     Original Traffic Source
    18533216201        Fjordlys Bakeri AS      12         smb         Organic search -> organic
    18533216202        Nordavind Logistikk AS  250        mid_market  Paid search -> paid_search
    18533216203        Globex Example, Inc.    5000       enterprise  Paid social -> paid_social
    18533216204        Blåbær Studio           99         smb         Paid social -> paid_social

    Subscription (first one of its customer)   started     MRR
    sub_VlA… Fjordlys    49 USD x 1 a month    2026-01-05  49
    sub_VlB… Nordavind   99 USD x 1, past_due  2026-01-10  99 (past due is still active)
    sub_VlC… Globex      100 EUR x 2 a month   2025-12-15  200 EUR x 1.04 = 208
    sub_VlD… Blåbær      30 USD x 1 a month    2026-01-20  30

    Invoice        amount       issued      due         charges (Stripe status)          paid
    in_VlA…0001    49 USD       2026-01-05  2026-01-05  49 Paid 01-05                    49
    in_VlB…0001    500 USD      2025-11-20  2025-12-01  300 - 100 refunded (Partially    200
                                                        Refunded) 01-10; 300 Failed 01-15
    in_VlC…0000    200 USD      2025-12-15  2025-12-29  200 Paid 2026-01-08 (10 days     200
                                                        late)
    in_VlC…0001    1000 EUR     2026-01-10  2026-01-20  none                             0
                   = 1040 USD
    in_VlD…0001    30 USD       2026-01-20  2026-02-19  "1.234,00" Paid: amount not a    0
                                                        number, quarantined

    Open on 2026-01-31   open amount        days past due             bucket
    in_VlB…0001          500 - 200 = 300    Dec 1 -> Jan 31 = 61      61-90
    in_VlC…0001          1040               Jan 20 -> Jan 31 = 11     1-30
    in_VlD…0001          30                 not due yet: 0            current

    Zendesk ticket  organization (requester domain)  Satisfaction Score  -> CSAT response
    6101, 6102      Fjordlys (fjordlys)              Good, Bad           smb 2, 1 satisfied
    6103            Nordavind (nordavind)            Good                mid_market 1, 1
    6104            Globex (globex)                  Bad                 enterprise 1, 0
    6105            Blåbær (blabaer)                 Offered             not a response

    Spend, January 2026 (NOK x 0.088)                         new customers   CAC
    paid_search: Google 1,234.50 + 98.40 + 1,010.00 + 0.00    Nordavind: 1    206.1752
                 = 2,342.90 NOK = 206.1752 USD
    paid_social: Meta 1,250.75 + 310.20 + 1,198.05 (the day   Blåbær: 1       242.792
                 without delivery has no row) = 2,759.00 NOK
                 = 242.792 USD
    organic:     none                                         Fjordlys: 1     0
    (Globex started in December, before the first month with spend data: no CAC row.)
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers import WAREHOUSE_NAME, ingest, query, run_dbt

FIXTURES = Path(__file__).parent / "fixtures" / "vendor_landing"
AS_OF = "2026-01-31"

FJORDLYS, NORDAVIND, GLOBEX, BLABAER = (f"185332162{i:02d}" for i in range(1, 5))
JAN = "2026-01-01"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Path, list]:
    """The vendor exports ingested (raw only), with the loader's per-file results."""
    tmp = tmp_path_factory.mktemp("vendor_landing")
    landing = tmp / "landing"
    shutil.copytree(FIXTURES, landing)
    # the file name every test's dbt command uses: dbt starts from the session's parse state
    # (another name changes the connection settings, and dbt parses the whole project again)
    warehouse = tmp / WAREHOUSE_NAME
    return warehouse, ingest(landing, warehouse)


# Only the marts these tests read, with everything upstream (staging, identity resolution,
# seeds) and the data tests of those models, and the check that staging keeps every raw key
# (with the staging models it reads): the health history chain and the other marts are not
# under test here. Cautious: only the data tests whose every model is built (a test joining
# to an unbuilt mart would fail).
MARTS = (
    "rpt_quarantine",
    "rpt_load_files",
    "dim_customer_clv",
    "int_payments_converted",
    "rpt_invoice_aging",
    "rpt_payment_delay_by_customer",
    "fct_csat_monthly",
    "fct_cac_monthly",
    "fct_cac_blended_monthly",
    "assert_staging_keeps_every_raw_key",
)


@pytest.fixture(scope="module")
def built(loaded) -> Path:
    """The marts read here built, with their upstream models and data tests, on the
    vendor-only landing."""
    warehouse, _ = loaded
    select = ["--select", " ".join(f"+{m}" for m in MARTS), "--indirect-selection", "cautious"]
    run_dbt(["build", *select], warehouse, AS_OF)
    return warehouse


def test_every_row_is_loaded_excluded_or_quarantined(loaded):
    _, results = loaded
    counts = {
        (r.profile, r.file_path.split("/")[1]): (
            r.status,
            r.rows_read,
            r.rows_loaded,
            r.rows_excluded,
            r.rows_quarantined,
        )
        for r in results
    }
    assert counts == {
        ("hubspot", "companies"): ("loaded", 4, 4, 0, 0),
        ("stripe", "customers"): ("loaded", 4, 4, 0, 0),
        ("stripe", "subscriptions"): ("loaded", 4, 4, 0, 0),
        ("stripe", "invoices"): ("loaded", 5, 5, 0, 0),
        # The failed charge is excluded (moved no money), the unparseable one quarantined.
        ("stripe", "payments"): ("loaded", 5, 3, 1, 1),
        # The ticket whose survey was only offered is not a response.
        ("zendesk", "csat"): ("loaded", 5, 4, 1, 0),
        # Four "Total: ..." footer rows.
        ("google_ads", "campaign_report"): ("loaded", 8, 4, 4, 0),
        # The day the campaign did not deliver (empty spend).
        ("meta_ads", "campaigns"): ("loaded", 4, 3, 1, 0),
    }


def test_the_unparseable_payment_is_quarantined_naming_the_file_and_column(built):
    rows = query(
        built,
        "select source_name, file_path, row_number, primary_key, reason_code, reasons"
        " from rpt_quarantine",
    )
    assert rows == [
        (
            "payments",
            "stripe/payments/unified_payments.csv",
            5,
            "ch_3VlD0000001",
            "missing_required",
            # The amount is computed from two columns of Stripe's export: both are named.
            'missing_required(amount) in stripe/payments columns "Amount" and "Amount Refunded"',
        )
    ]
    # The report keeps no raw value (the charge's row held the customer's e-mail address).
    # Every column as text (the same check on pulse_meta.quarantine finds the address).
    sql = "select count(*) from rpt_quarantine as q where cast(q as varchar) like '%@%'"
    assert query(built, sql) == [(0,)]
    # The quarantine row names the profile the file was read with, beside the column.
    assert query(built, "select profile_name from rpt_quarantine") == [("stripe",)]
    assert query(
        built,
        "select profile_name from rpt_load_files where file_path = ?",
        ["stripe/payments/unified_payments.csv"],
    ) == [("stripe",)]


def test_customers_carry_the_crm_segment_and_channel_and_mrr(built):
    rows = query(
        built,
        "select customer_id, segment, acquisition_channel, current_mrr"
        " from dim_customer_clv order by customer_id",
    )
    assert rows == [
        (FJORDLYS, "smb", "organic", Decimal("49")),
        (NORDAVIND, "mid_market", "paid_search", Decimal("99")),
        (GLOBEX, "enterprise", "paid_social", Decimal("208")),
        (BLABAER, "smb", "paid_social", Decimal("30")),
    ]


def test_payments_net_of_refunds_without_failed_charges(built):
    rows = query(
        built,
        "select payment_id, invoice_id, customer_id, cast(paid_at as varchar), amount_local"
        " from int_payments_converted order by payment_id",
    )
    assert rows == [
        ("ch_3VlA0000001", "in_VlA0000001", FJORDLYS, "2026-01-05", Decimal("49")),
        ("ch_3VlB0000001", "in_VlB0000001", NORDAVIND, "2026-01-10", Decimal("200")),
        ("ch_3VlC0000000", "in_VlC0000000", GLOBEX, "2026-01-08", Decimal("200")),
    ]


def test_invoice_aging_as_of_the_date(built):
    rows = query(
        built,
        "select invoice_id, customer_id, segment, reporting_currency, amount, paid_amount,"
        " open_amount, days_past_due, aging_bucket from rpt_invoice_aging order by invoice_id",
    )
    d = Decimal
    assert rows == [
        ("in_VlB0000001", NORDAVIND, "mid_market", "USD", d(500), d(200), d(300), 61, "61-90"),
        ("in_VlC0000001", GLOBEX, "enterprise", "USD", d(1040), d(0), d(1040), 11, "1-30"),
        ("in_VlD0000001", BLABAER, "smb", "USD", d(30), d(0), d(30), 0, "current"),
    ]


def test_payment_delay_per_customer(built):
    # Fjordlys paid on its due day; Nordavind owes 300 61 days past due (> 60: severely
    # overdue); Globex paid one invoice 10 days late and owes 1040, 11 days past due;
    # Blåbær's invoice is not due yet.
    rows = query(
        built,
        "select customer_id, payer_category, invoices, invoiced_amount, invoices_paid,"
        " invoices_paid_late, avg_days_late, max_days_late, open_invoices, open_amount,"
        " open_past_due_amount, max_days_past_due"
        " from rpt_payment_delay_by_customer order by customer_id",
    )
    d = Decimal
    assert rows == [
        (FJORDLYS, "on_time", 1, d("49"), 1, 0, d("0"), 0, 0, d("0"), d("0"), None),
        (NORDAVIND, "severely_overdue", 1, d("500"), 0, 0, None, None, 1, d("300"), d("300"), 61),
        (GLOBEX, "occasionally_late", 2, d("1240"), 1, 1, d("10"), 10, 1, d("1040"), d("1040"), 11),
        (BLABAER, "on_time", 1, d("30"), 0, 0, None, None, 1, d("30"), d("0"), 0),
    ]


def test_two_point_csat_by_segment(built):
    rows = query(
        built,
        "select cast(month as varchar), segment, responses, satisfied, csat_pct"
        " from fct_csat_monthly where responses > 0 order by segment",
    )
    assert rows == [
        (JAN, "enterprise", 1, 0, 0.0),
        (JAN, "mid_market", 1, 1, 100.0),
        (JAN, "smb", 2, 1, 50.0),
    ]


def test_spend_and_cac_per_channel_in_usd(built):
    rows = query(
        built,
        "select cast(month as varchar), acquisition_channel, marketing_spend, new_customers, cac"
        " from fct_cac_monthly order by month, acquisition_channel",
    )
    assert [r[:4] for r in rows] == [
        (JAN, "organic", Decimal("0"), 1),
        (JAN, "paid_search", Decimal("206.1752"), 1),
        (JAN, "paid_social", Decimal("242.7920"), 1),
    ]
    assert [r[4] for r in rows] == pytest.approx([0.0, 206.1752, 242.792])


def test_blended_cac(built):
    # 448.9672 USD of spend; 3 new customers, 2 of them in channels with spend.
    rows = query(
        built,
        "select cast(month as varchar), marketing_spend, new_customers, paid_new_customers,"
        " blended_cac, paid_cac from fct_cac_blended_monthly order by month",
    )
    assert [r[:4] for r in rows] == [(JAN, Decimal("448.9672"), 3, 2)]
    assert rows[0][4:] == pytest.approx((448.9672 / 3, 448.9672 / 2))
