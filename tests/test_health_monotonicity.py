"""Monotonicity of the health score: two customers identical but for one worse
signal -> the worse one scores strictly lower, for each of the seven components.

A small hand-made landing folder (written here, as of 2025-06-30): fourteen customers with the
same history (a subscription since 2024-01-01, daily logins and feature use in June, a
webinar, a course, a referral and a review, a CSAT 4 and an NPS 9 answer, one normal how-to
ticket solved in 5 hours, monthly invoices paid on time), in seven pairs (A, B). In each pair
B differs from A in exactly one raw fact that belongs to one component:

    usage         B logs in once a day instead of twice
    engagement    B attended no webinar
    satisfaction  B answered CSAT 2 instead of 4
    support       B's ticket is an urgent outage instead of a normal how-to
    payments      B paid its May invoice 20 days late
    advocacy      B made no referral
    renewal       B downgraded from 150 to 100 on 2025-03-01 (same MRR today)

Then, for each pair, B's component score is strictly lower than A's, every other component is
equal, and B's health score is strictly lower.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from tests.helpers import ingest, query_df, run_dbt

AS_OF = "2025-06-30"
COMPONENTS = ["usage", "engagement", "satisfaction", "support", "payments", "advocacy", "renewal"]


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def build_landing(landing: Path) -> None:
    customers, subscriptions, events, surveys, tickets = [], [], [], [], []
    invoices, payments = [], []
    for component in COMPONENTS:
        for side in ("A", "B"):
            worse = side == "B"
            cid = f"{component[:3].upper()}_{side}"
            customers.append(
                [cid, f"{component} {side} Ltd", "smb", "EMEA", "DE", "organic", "2023-12-20"]
            )
            if component == "renewal" and worse:
                subscriptions.append([f"S_{cid}_1", cid, "growth", 150, "2024-01-01", "2025-03-01"])
                subscriptions.append([f"S_{cid}_2", cid, "starter", 100, "2025-03-01", None])
            else:
                subscriptions.append([f"S_{cid}_1", cid, "starter", 100, "2024-01-01", None])
            n = 0

            def event(event_type, day, feature=None, _cid=cid):
                nonlocal n
                n += 1
                events.append(
                    [f"E_{_cid}_{n}", _cid, "u1", event_type, feature, f"{day}T10:00:00Z"]
                )

            for day in range(1, 31):  # every day of June: logins and a feature
                date = f"2025-06-{day:02d}"
                event("login", date)
                if not (component == "usage" and worse):
                    event("login", date)
                event("feature_used", date, "reports" if day % 2 else "dashboards")
            if not (component == "engagement" and worse):
                event("webinar_attended", "2025-05-15")
            event("course_completed", "2025-05-20")
            if not (component == "advocacy" and worse):
                event("referral_made", "2025-03-01")
            event("review_posted", "2025-04-01")
            csat = 2 if component == "satisfaction" and worse else 4
            surveys.append([f"R_{cid}_1", cid, "csat", csat, 5, "2025-06-15T09:00:00Z"])
            surveys.append([f"R_{cid}_2", cid, "nps", 9, 10, "2025-05-20T09:00:00Z"])
            category, priority = (
                ("outage", "urgent")
                if component == "support" and worse
                else (
                    "how_to",
                    "normal",
                )
            )
            tickets.append(
                [
                    f"T_{cid}",
                    cid,
                    "2025-06-10T08:00:00Z",
                    "2025-06-10T13:00:00Z",
                    category,
                    priority,
                    "email",
                ]
            )
            for month in range(1, 7):
                issued = dt.date(2025, month, 1)
                due = issued + dt.timedelta(days=30)
                paid = issued + dt.timedelta(days=5)
                if component == "payments" and worse and month == 5:
                    paid = due + dt.timedelta(days=20)
                invoice = f"I_{cid}_{month}"
                status = "paid" if paid <= dt.date.fromisoformat(AS_OF) else "open"
                invoices.append([invoice, cid, issued, due, 100, "USD", status])
                if paid <= dt.date.fromisoformat(AS_OF):
                    payments.append([f"P_{cid}_{month}", invoice, paid, 100])
    write_csv(
        landing / "customers" / "customers.csv",
        [
            "customer_id",
            "company_name",
            "segment",
            "region",
            "country",
            "acquisition_channel",
            "created_at",
        ],
        customers,
    )
    write_csv(
        landing / "subscriptions" / "subscriptions.csv",
        ["subscription_id", "customer_id", "plan", "mrr", "started_at", "ended_at"],
        subscriptions,
    )
    write_csv(
        landing / "usage_events" / "events.csv",
        ["event_id", "customer_id", "user_id", "event_type", "feature", "occurred_at"],
        events,
    )
    write_csv(
        landing / "survey_responses" / "responses.csv",
        ["response_id", "customer_id", "survey_type", "score", "scale_max", "responded_at"],
        surveys,
    )
    write_csv(
        landing / "support_tickets" / "tickets.csv",
        [
            "ticket_id",
            "customer_id",
            "created_at",
            "resolved_at",
            "category",
            "priority",
            "channel",
        ],
        tickets,
    )
    write_csv(
        landing / "invoices" / "invoices.csv",
        ["invoice_id", "customer_id", "issued_at", "due_at", "amount", "currency", "status"],
        invoices,
    )
    write_csv(
        landing / "payments" / "payments.csv",
        ["payment_id", "invoice_id", "paid_at", "amount"],
        payments,
    )


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    root = tmp_path_factory.mktemp("health_pairs")
    landing = root / "landing"
    build_landing(landing)
    warehouse = root / "wh" / "pulse.duckdb"
    ingest(landing, warehouse)
    run_dbt(
        [
            "build",
            "--select",
            "+fct_customer_health_daily",
            "--indirect-selection",
            "cautious",
        ],
        warehouse,
        AS_OF,
    )
    frame = query_df(
        warehouse,
        "select * from fct_customer_health_daily where as_of_date = DATE '" + AS_OF + "'",
    )
    return frame.set_index("customer_id")


@pytest.mark.parametrize("component", COMPONENTS)
def test_one_worse_signal_scores_strictly_lower(scores, component):
    better = scores.loc[f"{component[:3].upper()}_A"]
    worse = scores.loc[f"{component[:3].upper()}_B"]
    assert worse[f"{component}_score"] < better[f"{component}_score"]
    for other in COMPONENTS:
        if other != component:
            assert worse[f"{other}_score"] == better[f"{other}_score"], other
    assert worse["health_score"] < better["health_score"]
    assert worse["coverage"] == better["coverage"] == 1


def test_every_customer_scored_with_full_coverage(scores):
    assert len(scores) == 2 * len(COMPONENTS)
    assert (scores["components_with_data"] == 7).all()
