"""The company-wide (all segments) marts against an independent computation from the landing
files, and the Pulse report's headline against those marts.

Uses the session fixture `demo_build`. The independent side re-applies the landing contract
with pandas (tests/test_metrics_independent.py) and computes NPS and CES over every response of
a month in plain Python: no loader, no dbt model, no macro. The report side publishes the demo
warehouse and reads the headline the report shows: it must be the mart's row of the last
complete month, the number a newcomer follows from the README through the SQL.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics

import duckdb
import pytest

from orchestration.publish import publish
from orchestration.reports.pulse_report.data import load_report_data
from orchestration.reports.pulse_report.headline import compute_headline
from tests.test_metrics_independent import (
    Z95,
    close,
    mart_rows,
    month_start,
    survey_responses,
)


@pytest.fixture(scope="module")
def responses(demo_build):
    as_of = dt.date.fromisoformat(demo_build["as_of"])
    rows = survey_responses(demo_build["landing"])
    rows = rows[rows["responded_utc"].dt.date <= as_of].copy()
    rows["month"] = rows["responded_utc"].map(month_start)
    return rows


def test_nps_company_monthly_matches_independent_computation(demo_build, responses):
    nps = responses[(responses["survey_type"] == "nps") & (responses["scale_int"] == 10)]
    expected = {}
    for month, group in nps.groupby("month"):
        n = len(group)
        p = int((group["score_int"] >= 9).sum())
        d = int((group["score_int"] <= 6).sum())
        share_p, share_d = p / n, d / n
        expected[month] = {
            "responses": n,
            "promoters": p,
            "detractors": d,
            "nps": 100 * (p - d) / n,
            "moe": Z95 * 100 * math.sqrt((share_p + share_d - (share_p - share_d) ** 2) / n),
        }
    assert len(expected) > 12, "the demo data has a year of NPS responses"
    actual = {r["month"]: r for r in mart_rows(demo_build["warehouse"], "fct_nps_company_monthly")}
    assert {m for m, r in actual.items() if r["responses"] > 0} == set(expected)
    for month, want in expected.items():
        got = actual[month]
        for column in ("responses", "promoters", "detractors"):
            assert got[column] == want[column], (month, column)
        close(got["nps"], want["nps"], f"{month} nps")
        close(got["nps_margin_of_error"], want["moe"], f"{month} moe")
        close(got["nps_ci_low"], max(-100.0, want["nps"] - want["moe"]), f"{month} low")
        close(got["nps_ci_high"], min(100.0, want["nps"] + want["moe"]), f"{month} high")
        assert got["is_low_sample"] == (want["responses"] < 30)
        assert got["min_responses"] == 30  # dbt_project.yml


def test_ces_company_monthly_interval_is_over_every_response(demo_build, responses):
    ces = responses[(responses["survey_type"] == "ces") & (responses["scale_int"] >= 2)]
    scores = 1 + (ces["score_int"] - 1) * 6 / (ces["scale_int"] - 1)  # onto the 7-point scale
    actual = {r["month"]: r for r in mart_rows(demo_build["warehouse"], "fct_ces_company_monthly")}
    checked = 0
    for month, group in scores.groupby(ces["month"]):
        values = list(group)
        got = actual[month]
        assert got["responses"] == len(values)
        mean = sum(values) / len(values)
        close(got["ces_avg"], mean, f"{month} mean")
        if len(values) >= 2:
            half = Z95 * statistics.stdev(values) / math.sqrt(len(values))
            close(got["ces_ci_low"], max(1.0, mean - half), f"{month} low")
            close(got["ces_ci_high"], min(7.0, mean + half), f"{month} high")
            checked += 1
    assert checked > 12


@pytest.fixture(scope="module")
def report_data(demo_build, tmp_path_factory):
    """The report's data, read from a serving copy published from the demo build."""
    tmp = tmp_path_factory.mktemp("company_report")
    marts = [
        ("main", name)
        for name in (
            "fct_csat_company_monthly",
            "fct_nps_company_monthly",
            "fct_ces_company_monthly",
            "fct_churn_company_monthly",
        )
    ]
    con = duckdb.connect(str(demo_build["warehouse"]))
    try:
        publish(con, tmp / "serving", marts, "company-test", dt.date(2026, 6, 30))
    finally:
        con.close()
    return load_report_data(tmp / "serving" / "current" / "pulse.duckdb")


def test_report_headline_is_the_company_marts_row_of_the_last_complete_month(
    demo_build, report_data, responses
):
    head = compute_headline(report_data)
    may = dt.date(2026, 5, 1)  # as of 2026-06-30, June is month to date
    rows = {
        name: {r["month"]: r for r in mart_rows(demo_build["warehouse"], name)}
        for name in (
            "fct_nps_company_monthly",
            "fct_csat_company_monthly",
            "fct_ces_company_monthly",
            "fct_churn_company_monthly",
        )
    }
    for key, mart in (
        ("nps", "fct_nps_company_monthly"),
        ("csat_pct", "fct_csat_company_monthly"),
        ("ces_avg", "fct_ces_company_monthly"),
        ("logo_churn_rate_pct", "fct_churn_company_monthly"),
        ("gross_revenue_retention_pct", "fct_churn_company_monthly"),
        ("net_revenue_retention_pct", "fct_churn_company_monthly"),
    ):
        month, value = head.metrics[key]
        assert month == may, key
        assert value == pytest.approx(float(rows[mart][may][key]), rel=1e-12), key
    # and the NPS shown is the one computed by hand from May's answers
    may_nps = responses[
        (responses["survey_type"] == "nps")
        & (responses["scale_int"] == 10)
        & (responses["month"] == may)
    ]
    p = int((may_nps["score_int"] >= 9).sum())
    d = int((may_nps["score_int"] <= 6).sum())
    close(head.metrics["nps"][1], 100 * (p - d) / len(may_nps), "headline nps")
    assert report_data.min_responses == 30
