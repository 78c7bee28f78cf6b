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

Then, for each pair and under either normalisation (bands, the default, and percentile), B's
component score is strictly lower than A's, every other component is equal, and B's health
score is strictly lower. The same customers' points are also computed by hand under each.
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


def build_scores(root: Path, extra_vars: dict | None = None):
    landing = root / "landing"
    build_landing(landing)
    warehouse = root / "wh" / "pulse.duckdb"
    ingest(landing, warehouse)
    # the seeds and models of the score: what is checked here is their values, the data
    # tests are the other builds' (the shared demo build runs every one)
    run_dbt(
        [
            "build",
            "--select",
            "+fct_customer_health_daily",
            "--exclude-resource-type",
            "test",
            "unit_test",
        ],
        warehouse,
        AS_OF,
        extra_vars=extra_vars,
    )
    frame = query_df(
        warehouse,
        "select * from fct_customer_health_daily where as_of_date = DATE '" + AS_OF + "'",
    )
    return frame.set_index("customer_id")


@pytest.fixture(scope="module")
def default_scores(tmp_path_factory):
    """The default configuration: bands points, fixed categories."""
    return build_scores(tmp_path_factory.mktemp("health_pairs"))


@pytest.fixture(scope="module")
def percentile_scores(tmp_path_factory):
    """Percentile points (still a supported option), with the quantile rule they pair with."""
    return build_scores(
        tmp_path_factory.mktemp("health_pairs_percentile"),
        {"health_normalisation": "percentile", "health_category_rule": "quantile"},
    )


@pytest.fixture(params=["default_scores", "percentile_scores"])
def scores(request):
    """Monotonicity holds under either normalisation."""
    return request.getfixturevalue(request.param)


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


def test_default_bands_points_by_hand(default_scores):
    """The default normalisation (var health_normalisation: bands) on the pair customers, by
    hand from the facts above and the bands of seeds/health_score_bands.csv, as of 2025-06-30
    (smb scorecard: usage .30, engagement .05, satisfaction .15, support .10, payments .20,
    advocacy .05, renewal .15; every signal weighs 1 within its component).

    A customer of each pair (the baseline):
      usage: 30 active days in the 30-day window -> band 15+ = 100; 60 logins -> 40+ = 100;
        2 features (reports, dashboards) -> [2, 4) = 60; used on the day (no inactivity
        deduction): (100 + 100 + 60) / 3 = 86.667
      engagement (90 days): 1 webinar -> 60, 1 course -> 60, 2 survey answers -> [1, 3) = 60:
        60
      satisfaction (90 days): CSAT 4 of 5 -> 100 x 3 / 4 = 75, NPS 9 of 10 -> 90; mean 82.5
        -> [75, 90) = 80
      support (90 days): one normal how-to ticket, weight 2 x 1 = 2 -> [1, 4) = 75; resolved
        in 5 hours -> < 8 = 100: 87.5
      payments (180 days): every invoice paid 5 days after issue, 25 before due: 0% late,
        0 days late, no reminders, nothing past due -> 100 each: 100
      advocacy (365 days): NPS 9 = a promoter, personal NPS 100 -> 100+ = 100; 1 referral ->
        70; 1 review -> 80: 83.333
      renewal: tenure 2024-01-01 .. 2025-06-30 = 546 days -> [365, 730) = 80; MRR unchanged
        (0%) -> [0, 10) = 60: 70
      score = .30 x 86.667 + .05 x 60 + .15 x 80 + .10 x 87.5 + .20 x 100 + .05 x 83.333
              + .15 x 70 = 26 + 3 + 12 + 8.75 + 20 + 4.1667 + 10.5 = 84.4167: healthy (>= 70)
    USA_B logs in once a day: 30 logins -> [15, 40) = 75; usage (100 + 75 + 60) / 3 = 78.333;
      score 84.4167 - .30 x 8.3333 = 81.9167.
    SUP_B's ticket is an urgent outage: weight 8 x 2 = 16 -> [10, 20) = 25; support (25 + 100)
      / 2 = 62.5; score 84.4167 - .10 x 25 = 81.9167.
    SAT_B answered CSAT 2 of 5 -> 25; mean with the NPS (25 + 90) / 2 = 57.5 -> [40, 60) = 30;
      score 84.4167 - .15 x 50 = 76.9167.
    """
    baseline = {
        "usage_score": 260 / 3,
        "engagement_score": 60.0,
        "satisfaction_score": 80.0,
        "support_score": 87.5,
        "payments_score": 100.0,
        "advocacy_score": 250 / 3,
        "renewal_score": 70.0,
    }
    base_score = 26 + 3 + 12 + 8.75 + 20 + 250 / 60 + 10.5
    for component in COMPONENTS:
        row = default_scores.loc[f"{component[:3].upper()}_A"]
        for column, value in baseline.items():
            assert row[column] == pytest.approx(value, abs=1e-9), (component, column)
        assert row["health_score"] == pytest.approx(base_score, abs=1e-9), component
        assert row["health_category"] == "healthy"
    worse = {
        "USA_B": ("usage_score", 235 / 3, base_score - 0.30 * 25 / 3),
        "SUP_B": ("support_score", 62.5, base_score - 0.10 * 25),
        "SAT_B": ("satisfaction_score", 30.0, base_score - 0.15 * 50),
    }
    for cid, (column, value, score) in worse.items():
        assert default_scores.loc[cid, column] == pytest.approx(value, abs=1e-9), cid
        assert default_scores.loc[cid, "health_score"] == pytest.approx(score, abs=1e-9), cid


def test_percentile_points_by_hand(percentile_scores):
    """Percentile points (var health_normalisation: percentile): the average-rank percentile
    among the 14 customers, 100 x (average rank - 1) / (14 - 1), ties sharing the mean of their
    ranks; lower-is-better signals ranked on the negated value.

    usage: every customer has 30 active days and 2 features: all tied, average rank 7.5 ->
      100 x 6.5 / 13 = 50 each; logins: 13 customers at 60 (ranks 2..14, average 8 ->
      100 x 7 / 13 = 53.846), USA_B at 30 (rank 1 -> 0). usage (no inactivity deduction):
      A: (50 + 53.846 + 50) / 3 = 51.282; USA_B: (50 + 0 + 50) / 3 = 33.333.
    support: ticket load 2 for 13 customers, 16 for SUP_B (lower is better: SUP_B ranks
      first -> 0; the others 53.846); resolution 5 hours for all -> 50. support: A
      (53.846 + 50) / 2 = 51.923; SUP_B (0 + 50) / 2 = 25.
    """
    tied = 100 * 7 / 13
    a = percentile_scores.loc["ENG_A"]
    assert a["usage_score"] == pytest.approx((50 + tied + 50) / 3, abs=1e-9)
    assert a["support_score"] == pytest.approx((tied + 50) / 2, abs=1e-9)
    usa_b = percentile_scores.loc["USA_B"]
    assert usa_b["usage_score"] == pytest.approx(100 / 3, abs=1e-9)
    sup_b = percentile_scores.loc["SUP_B"]
    assert sup_b["support_score"] == pytest.approx(25, abs=1e-9)
