"""The Pulse report's HTML, without a browser: written from a small hand-made serving copy whose
figures are known, so the sections, the company-wide figures read from their marts and the
accessibility markers can be checked exactly. (tests/test_report_render.py renders the demo
build's report in Chromium; the company-wide figures themselves are computed in SQL and tested
there: the unit tests of models/marts/cx/_cx__models.yml and _retention__models.yml.)"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from orchestration.reports.pulse_report.data import CheckResult, load_report_data
from orchestration.reports.pulse_report.headline import compute_headline
from orchestration.reports.pulse_report.render import build_report, render_html
from orchestration.reports.pulse_report.sections import SECTIONS
from orchestration.reports.pulse_report.sections.attention import attention_markdown

AS_OF = dt.date(2026, 6, 30)

# The marts, cut down to a few rows with their real column names. Figures chosen by hand:
# CSAT 2026-05 all segments = (16 + 30) / (20 + 40) = 76.67%; smb 2026-05 has 20 answers (low
# sample). The company-wide marts carry min_responses 25 (not the var's default 30), so a
# footnote saying 25 was read from the mart.
SERVING_SQL = """
create table pulse_run as select 'run-abc' as run_id, 'pub-1' as publish_id,
    date '2026-06-30' as as_of_date, timestamp '2026-06-30 06:10:00' as published_at;

create table dim_customer_health as select * from (values
    ('C1', date '2026-06-30', 'smb', 'default', 82.0, 'healthy', 'green', 1.0, 'usage',
     'renewal', 3.0, 'stable', 100.0, 0.0, false),
    ('C2', date '2026-06-30', 'smb', 'default', 55.0, 'at_risk', 'yellow', 1.0, 'support',
     'usage', -20.0, 'declining', 200.0, 200.0, true),
    ('C3', date '2026-06-30', 'enterprise', 'enterprise', 31.0, 'unhealthy', 'red', 0.8,
     'payments', null, null, 'new', 900.0, 900.0, true)
) as t(customer_id, as_of_date, segment, scorecard, health_score, health_category,
    health_color, coverage, top_negative_driver, top_positive_driver, score_change_30d, trend,
    current_mrr, mrr_at_risk, needs_attention);

create table rpt_health_distribution as select * from (values
    ('healthy', 1, 1, 33.33333333333333, 100.0, 0.0, 0),
    ('at_risk', 2, 1, 33.33333333333333, 200.0, 200.0, 1),
    ('unhealthy', 3, 1, 33.33333333333333, 900.0, 900.0, 1),
    ('unscored', 4, 0, null, 0.0, 0.0, 0)
) as t(health_category, category_order, customers, share_of_scored_pct, current_mrr,
    mrr_at_risk, customers_needing_attention);

create table rpt_customers_needing_attention as select * from (values
    (1, 'C3', 'Umbrella <Corp> & Co', 'enterprise', date '2026-06-30', 31.0, 'unhealthy', 'red',
     null, 'new', 'payments', 900.0, 900.0, true, false, true,
     'unhealthy (score 31.0); below floor 50 (score 31.0); weakest: payments',
     'kari@example.com', date '2026-06-30', true),
    (2, 'C2', 'Acme | Ltd', 'smb', date '2026-06-30', 55.0, 'at_risk', 'yellow',
     -20.0, 'declining', 'support', 200.0, 200.0, false, true, false,
     'dropped 20 points in 30 days; weakest: support', null, date '2026-06-12', false)
) as t(attention_rank, customer_id, company_name, segment, as_of_date, health_score,
    health_category, health_color, score_change_30d, trend, top_negative_driver, current_mrr,
    mrr_at_risk, is_unhealthy, has_dropped, is_below_floor, reason, owner, opened_on,
    is_new_today);

-- ten days per customer, rising by one point a day to 10 below its score on the as-of date
create table fct_customer_health_daily as
select customer_id, date '2026-06-21' + cast(k as integer) as as_of_date,
    health_score - 10 + k as health_score
from (values ('C1', 82.0), ('C2', 55.0), ('C3', 31.0)) as c(customer_id, health_score),
    range(10) as s(k);

create table rpt_health_score_backtest as select * from (values
    ('2026-02', date '2026-02-01', 100, 10, 10.0, 0.8, 25, 1, 4.0, 50, 4, 8.0, 25, 5, 20.0, true),
    ('2026-03', date '2026-03-01', 100, 8, 8.0, 0.45, 25, 3, 12.0, 50, 3, 6.0, 25, 2, 8.0, false),
    ('all', null, 200, 18, 9.0, 0.7, 50, 4, 8.0, 100, 7, 7.0, 50, 7, 14.0, true)
) as t(period, month_start, customers, churned_customers, churn_rate_pct, auc,
    healthy_customers, healthy_churned, healthy_churn_rate_pct, at_risk_customers,
    at_risk_churned, at_risk_churn_rate_pct, unhealthy_customers, unhealthy_churned,
    unhealthy_churn_rate_pct, unhealthy_churns_more);

create table fct_csat_monthly as select * from (values
    (date '2026-05-01', 'smb', 20, 16, 80.0, 58.4, 91.9, true, true),
    (date '2026-05-01', 'enterprise', 40, 30, 75.0, 59.8, 85.8, false, true),
    (date '2026-06-01', 'smb', 0, 0, null, null, null, true, false),
    (date '2026-06-01', 'enterprise', 35, 28, 80.0, 64.1, 90.0, false, false)
) as t(month, segment, responses, satisfied, csat_pct, csat_ci_low_pct, csat_ci_high_pct,
    is_low_sample, is_complete_month);

create table fct_nps_monthly as select * from (values
    (date '2026-05-01', 'smb', 40, 20, 10, 10, 25.0, 26.8, -1.8, 51.8, false, true),
    (date '2026-05-01', 'enterprise', 10, 6, 2, 2, 40.0, 50.0, -10.0, 90.0, true, true)
) as t(month, segment, responses, promoters, passives, detractors, nps, nps_margin_of_error,
    nps_ci_low, nps_ci_high, is_low_sample, is_complete_month);

create table fct_ces_monthly as select * from (values
    (date '2026-05-01', 'smb', 30, 20, 150.0, 5.0, 1.0, 66.7, 4.64, 5.36, false, true),
    (date '2026-05-01', 'enterprise', 10, 8, 60.0, 6.0, 0.5, 80.0, 5.69, 6.31, true, true)
) as t(month, segment, responses, easy_responses, ces_score_sum, ces_avg, ces_stddev,
    ces_easy_pct, ces_ci_low, ces_ci_high, is_low_sample, is_complete_month);

create table fct_csat_company_monthly as select * from (values
    (date '2026-05-01', 60, 46, 76.66666666666667, 64.563488659608, 85.56056838156894, false,
     true, 25),
    (date '2026-06-01', 35, 28, 80.0, 64.1, 90.0, false, false, 25)
) as t(month, responses, satisfied, csat_pct, csat_ci_low_pct, csat_ci_high_pct,
    is_low_sample, is_complete_month, min_responses);

create table fct_nps_company_monthly as select * from (values
    (date '2026-05-01', 50, 26, 12, 12, 28.0, 22.884206606303835, 5.1157933936961655,
     50.884206606303835, false, true, 25),
    (date '2026-06-01', 12, 5, 4, 3, 16.666666666666668, 40.2, -23.5, 56.9, true, false, 25)
) as t(month, responses, promoters, passives, detractors, nps, nps_margin_of_error,
    nps_ci_low, nps_ci_high, is_low_sample, is_complete_month, min_responses);

create table fct_ces_company_monthly as select * from (values
    (date '2026-05-01', 40, 28, 210.0, 5.25, 0.9967897188423162, 70.0, 4.941091665741504,
     5.558908334258496, false, true, 25)
) as t(month, responses, easy_responses, ces_score_sum, ces_avg, ces_stddev, ces_easy_pct,
    ces_ci_low, ces_ci_high, is_low_sample, is_complete_month, min_responses);

create table fct_churn_company_monthly as select * from (values
    (date '2026-04-01', 100, 5, 5, 4, 1, 102, 4.0, 10000.0, 500.0, 300.0, 100.0, 400.0,
     50.0, 10350.0, 95.0, 98.0),
    (date '2026-05-01', 122, 3, 3, 3, 0, 122, 2.459016393442623, 30350.0, 300.0, 100.0, 50.0,
     1200.0, 0.0, 29500.0, 95.88138385502471, 96.21087314662273)
) as t(month, customers_at_start, new_customers, new_customers_at_end,
    churned_customers, reactivated_customers, customers_at_end, logo_churn_rate_pct,
    mrr_at_start, new_mrr, expansion_mrr, contraction_mrr, churned_mrr, reactivation_mrr,
    mrr_at_end, gross_revenue_retention_pct, net_revenue_retention_pct);

-- the per-segment churn mart: the report no longer reads it (its company-wide figures are
-- fct_churn_company_monthly's); left here with other figures to show they are not used
create table fct_churn_monthly as select * from (values
    (date '2026-04-01', 'smb', 100, 5, 5, 4, 1, 102, 4.0, 10000.0, 500.0, 300.0, 100.0, 400.0,
     50.0, 10350.0, 95.0, 98.0),
    (date '2026-05-01', 'smb', 102, 3, 3, 2, 0, 103, 1.96, 10350.0, 300.0, 100.0, 50.0, 200.0,
     0.0, 10500.0, 97.58, 98.55),
    (date '2026-05-01', 'enterprise', 20, 0, 0, 1, 0, 19, 5.0, 20000.0, 0.0, 0.0, 0.0, 1000.0,
     0.0, 19000.0, 95.0, 95.0)
) as t(month, segment, customers_at_start, new_customers, new_customers_at_end,
    churned_customers, reactivated_customers, customers_at_end, logo_churn_rate_pct,
    mrr_at_start, new_mrr, expansion_mrr, contraction_mrr, churned_mrr, reactivation_mrr,
    mrr_at_end, gross_revenue_retention_pct, net_revenue_retention_pct);

create table fct_cohort_retention as select * from (values
    (date '2026-04-01', 0, 10, 10, 100.0, 1000.0, 1000.0, 100.0),
    (date '2026-04-01', 1, 10, 9, 90.0, 1000.0, 950.0, 95.0),
    (date '2026-04-01', 2, 10, 8, 80.0, 1000.0, 1100.0, 110.0),
    (date '2026-05-01', 0, 5, 5, 100.0, 500.0, 500.0, 100.0),
    (date '2026-05-01', 1, 5, 5, 100.0, 500.0, 520.0, 104.0)
) as t(cohort_month, months_since_start, cohort_size, active_customers, logo_retention_pct,
    initial_mrr, mrr, revenue_retention_pct);

create table rpt_clv_by_channel as select * from (values
    ('organic', 1, 9000.0, date '2025-06-01', date '2026-05-01', 0.0, 4, 0.0, null, 3.0, null),
    ('paid_search', 2, 3500.0, date '2025-06-01', date '2026-05-01', 3000.0, 3, 1000.0, 3.5,
     3.0, true)
) as t(acquisition_channel, customers, avg_clv, window_start_month, window_end_month,
    marketing_spend_in_window, new_customers_in_window, cac, ltv_to_cac, ltv_to_cac_target,
    meets_ltv_to_cac_target);

create table rpt_clv_by_segment as select * from (values
    ('smb', 2, 2, 3500.0, 1000.0, 3.5, 3.0, true, 4000.0, 0.875, false, true),
    ('enterprise', 1, 1, 9000.0, null, null, 3.0, false, null, null, false, false)
) as t(segment, customers, active_customers, avg_clv, cac, ltv_to_cac, ltv_to_cac_target,
    meets_ltv_to_cac_target, fully_loaded_cac, ltv_to_fully_loaded_cac, is_cac_above_clv,
    is_fully_loaded_cac_above_clv);

create table fct_cac_blended_monthly as select * from (values
    (date '2026-05-01', 3000.0, 7, 3, 428.5714, 1000.0, true, 500.0, 1200.0, 300.0, 5000.0,
     714.2857),
    (date '2026-06-01', 100.0, 1, 1, 100.0, 100.0, false, null, null, null, null, null)
) as t(month, marketing_spend, new_customers, paid_new_customers, blended_cac, paid_cac,
    is_complete_month, ledger_marketing_costs, sales_costs, acquisition_overhead_costs,
    fully_loaded_acquisition_costs, fully_loaded_cac);

create table rpt_aging_summary as select * from (values
    ('current', 'smb', date '2026-06-30', 'EUR', 1, false, 3, 600.0, 60.0),
    ('1-30', 'smb', date '2026-06-30', 'EUR', 2, true, 1, 300.0, 30.0),
    ('90+', 'enterprise', date '2026-06-30', 'EUR', 5, true, 1, 100.0, 10.0)
) as t(aging_bucket, segment, as_of_date, reporting_currency, bucket_order, is_past_due,
    invoices, open_amount, share_of_receivables_pct);

create table rpt_invoice_aging as select 'I1' as invoice_id;

create table rpt_load_files as select * from (values
    (1, 'customers', 'customers/a.csv', 'csv', 100, 'loaded', null, 10, 9, 1, 0, true),
    (2, 'invoices', 'invoices/b.csv', 'csv', 100, 'rejected', 'required column due_at missing',
     0, 0, 0, 0, true)
) as t(file_id, source_name, file_path, file_format, file_size_bytes, status, error,
    rows_read, rows_loaded, rows_quarantined, rows_quarantined_resolved, is_reconciled);

create table rpt_quarantine as select * from (values
    ('customers', 1, 'customers/a.csv', 4, 'X9', 'invalid_date', 'invalid_date', false)
) as t(source_name, file_id, file_path, row_number, primary_key, reason_code, reasons,
    is_resolved);
"""


@pytest.fixture(scope="module")
def serving_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "serving.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute(SERVING_SQL)
    finally:
        con.close()
    return path


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "poster", "data") and value:
                self.urls.append(value)
            if name == "id" and value:
                self.ids.append(value)


def _parse(html: str) -> _Collect:
    parser = _Collect()
    parser.feed(html)
    return parser


CHECKS = [
    CheckResult("raw/invoices", "gx_raw_quality", False, "WARN", "newest_at too old"),
    CheckResult("fct_nps_monthly", "gx_mart_quality", False, "ERROR", "nps out of range"),
    CheckResult("fct_csat_monthly", "gx_mart_quality", True),
]


@pytest.fixture(scope="module")
def html(serving_db: Path) -> str:
    data = load_report_data(serving_db)
    return render_html(data, CHECKS, generated_at=dt.datetime(2026, 6, 30, 7, 0))


def test_every_section_is_present_without_errors(html):
    parsed = _parse(html)
    for sid, title in SECTIONS:
        assert sid in parsed.ids, sid
        assert title in html
    assert 'class="note section-error"' not in html
    assert "as of 2026-06-30" in html and "run run-abc" in html


def test_nothing_is_fetched_from_anywhere(html):
    parsed = _parse(html)
    assert "http://" not in html and "https://" not in html
    assert all(u.startswith(("#", "data:")) for u in parsed.urls), parsed.urls
    assert "script" not in parsed.tags  # no JavaScript at all
    assert not re.search(r"@import|url\(", html)  # nor CSS pulling files


def test_health_is_never_told_by_colour_alone(html):
    for marker in ("● healthy", "▲ at risk", "■ unhealthy"):
        assert marker in html.replace('<span class="sym" aria-hidden="true">', "").replace(
            "</span> ", " "
        )
    # every health badge carries its symbol and its word
    badges = re.findall(r'<span class="badge badge-(\w+)"[^>]*>(.*?</span>[^<]*)</span>', html)
    assert {cat for cat, _ in badges} == {"healthy", "at_risk", "unhealthy"}
    for cat, inner in badges:
        symbol = {"healthy": "●", "at_risk": "▲", "unhealthy": "■"}[cat]
        word = {"healthy": "healthy", "at_risk": "at risk", "unhealthy": "unhealthy"}[cat]
        assert symbol in inner and word in inner
    assert "✗ no (failing)" in html  # the failing backtest month is said in words


def test_low_sample_cells_are_marked(html):
    cells = re.findall(r'<td class="cx-cell low-sample" data-low-sample="true">(.*?)</td>', html)
    # smb CSAT 2026-05 (n=20), enterprise NPS and CES 2026-05 (n=10): three flagged cells
    assert len(cells) == 3
    assert all('class="low-mark"' in c and "†" in c for c in cells)
    assert "n=20" in cells[0] or any("n=20" in c for c in cells)
    # cells of large samples are not marked
    plain = re.findall(r'<td class="cx-cell">(.*?)</td>', html)
    assert any("n=40" in c for c in plain) and not any("†" in c for c in plain)
    # the month without answers says so, and the month to date is labelled
    assert "no responses" in html and "2026-06 (to date)" in html
    # low-sample points of the charts are hollow (white fill) and listed in the legend
    assert 'fill="#ffffff"' in html and "low sample" in html


def test_health_table_reads_the_distribution_mart(html):
    table = html.split('id="health-table"')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    assert len(rows) == 3  # nobody unscored: no "no score" row
    unhealthy = rows[2]
    for cell in (">1<", ">33%<", ">900 EUR<"):
        assert cell in unhealthy, cell


def test_attention_list_rows_reasons_and_drivers(html):
    rows = re.findall(r'<tr data-customer-id="([^"]+)">(.*?)</tr>', html)
    assert [cid for cid, _ in rows] == ["C3", "C2"]  # by attention_rank
    c3 = rows[0][1]
    assert "Umbrella &lt;Corp&gt; &amp; Co" in c3  # escaped
    assert "weakest: payments" in c3 and "↓ payments" in c3
    assert 'class="chart sparkline"' in c3 and 'class="mark"' in c3
    assert "21 → 30" in c3  # the score trend 21..30 over the ten days held
    # who follows up, since when; what opened today is marked
    assert "kari@example.com<br>since 2026-06-30<br><strong>new today</strong>" in c3
    assert "default recipient<br>since 2026-06-12" in rows[1][1]
    assert "new today" not in rows[1][1]


def test_charts_have_marks(html):
    charts = re.findall(r'<svg class="chart" data-chart="([^"]+)".*?</svg>', html, re.S)
    expected = {
        "health-distribution",
        "cx-csat",
        "cx-nps",
        "cx-ces",
        "churn-logo",
        "churn-revenue",
        "cohort-logo",
        "cohort-revenue",
        "cac-by-channel",
        "ltv-cac-by-channel",
        "aging-summary",
        "backtest-auc",
        "backtest-churn-by-category",
        "backtest-churn-by-month",
        "quarantine-by-reason",
    }
    assert expected <= set(charts)
    for name, body in re.findall(r'<svg class="chart" data-chart="([^"]+)"(.*?)</svg>', html, re.S):
        assert 'class="mark"' in body, name


def test_headline_reads_the_company_marts(serving_db):
    data = load_report_data(serving_db)
    head = compute_headline(data)
    assert (head.healthy, head.at_risk, head.unhealthy) == (1, 1, 1)
    assert head.mrr_at_risk == 1100.0 and head.needing_attention == 2
    # the last complete month's row of each company-wide mart, as the mart has it
    for key, value in (
        ("csat_pct", 76.66666666666667),
        ("nps", 28.0),
        ("ces_avg", 5.25),
        ("logo_churn_rate_pct", 2.459016393442623),
        ("gross_revenue_retention_pct", 95.88138385502471),
        ("net_revenue_retention_pct", 96.21087314662273),
    ):
        month, shown = head.metrics[key]
        assert month == dt.date(2026, 5, 1), key  # 2026-06 is month to date
        assert shown == pytest.approx(value, rel=1e-12), key


def test_cx_charts_and_footnotes_read_the_company_marts(html):
    section = html.split('<section id="cx"')[1].split("</section>")[0]
    # the line is the company mart's value and interval, its low-sample flag a hollow point
    assert "NPS, all segments 2026-05: 28</title>" in section
    assert "NPS, all segments 2026-06*: 16.7 (low sample)</title>" in section
    assert "CSAT, all segments 2026-05: 76.7%</title>" in section
    # the threshold in the footnote is the marts' min_responses, not a number of the module
    assert "fewer than 25 responses" in section and "fewer than 30" not in section
    churn = html.split('id="churn-table"')[1].split("</table>")[0]
    assert "2.5%" in churn and "95.9%" in churn and "96.2%" in churn and "30,350" in churn


def test_data_quality_and_checks(html):
    assert "required column due_at missing" in html  # the rejected file and why
    assert "invalid_date" in html
    assert re.search(r"Checks passed</div><div class=\"tile-value\">✓ 1<", html)
    assert re.search(r"Checks failed</div><div class=\"tile-value\">✗ 2<", html)
    assert "1 blocking, 1 warnings" in html and "nps out of range" in html


def test_acquisition_by_channel_reads_the_mart(html):
    section = html.split('<section id="acquisition"')[1].split("</section>")[0]
    table = section.split('id="acquisition-table"')[1].split("</table>")[0]
    # the window and the rule of thumb come from rpt_clv_by_channel's columns
    assert "Spend, 2025-06 to 2026-05" in table and "Meets 3:1" in table
    assert re.search(r">3\.5</td>\s*<td>✓ yes</td>", table)  # paid_search: the mart's flag
    assert "3.5 ✓" in section and "n/a (no CAC)" in section  # organic spends nothing


def test_receivables_tiles_sum_the_aging_mart(html):
    section = html.split('<section id="finance"')[1].split("</section>")[0]
    # 600 + 300 + 100 open; past due: 1-30 and 90+, 300 + 100, their shares 30 + 10
    assert ">1,000 EUR<" in section and ">400 EUR<" in section
    assert "40.0% of receivables" in section


def test_fully_loaded_cac_beside_the_marketing_only_one(html):
    section = html.split('<section id="acquisition"')[1].split("</section>")[0]
    # by segment: both CACs and both ratios, read from rpt_clv_by_segment
    assert "Fully loaded CAC" in section and "LTV:fully loaded CAC" in section
    assert re.search(r"<td[^>]*>4,000[^<]*</td>\s*<td[^>]*>0\.9</td>", section)
    # the flag of smb (fully loaded) gives the warning; enterprise has none
    assert section.count("losing money on each customer") == 1
    assert "smb: CAC above CLV (fully loaded: sales and overhead included)" in section
    # the last complete month with ledger costs (2026-05), not the open month
    table = section.split('id="fully-loaded-cac-table"')[1].split("</table>")[0]
    assert "2026-05-01" in table and "2026-06-01" not in table
    for figure in ("3,000", "500", "1,200", "300", "429", "714"):
        assert re.search(rf">{figure}\b", table), figure


def test_missing_and_empty_marts_give_notes_not_errors(tmp_path):
    path = tmp_path / "thin.duckdb"
    con = duckdb.connect(str(path))
    try:
        # only an empty attention list and an empty CSAT mart; everything else missing
        con.execute(SERVING_SQL.split("create table dim_customer_health")[0])
        con.execute(
            "create table rpt_customers_needing_attention as select 1 as attention_rank,"
            " 'x' as customer_id where false"
        )
        con.execute(
            "create table fct_csat_monthly as select date '2026-05-01' as month, 's' as segment,"
            " 0 as responses, 0 as satisfied, true as is_complete_month where false"
        )
    finally:
        con.close()
    data = load_report_data(path)
    html = render_html(data)  # no checks: rendered outside Dagster
    assert 'class="note section-error"' not in html
    assert "The mart rpt_health_distribution is not in this serving copy." in html
    assert "Nobody needs attention today" in html
    assert "Check results are not part of this report" in html
    assert "The CSAT, NPS and CES marts have no rows yet." in html
    for sid, _ in SECTIONS:
        assert f'<section id="{sid}"' in html
    head = compute_headline(data)
    assert head.healthy is None and head.metrics == {}
    assert attention_markdown(data) == "_Nobody needs attention today._"


def test_files_written_and_markdown_for_dagster(serving_db, tmp_path):
    result = build_report(serving_db, tmp_path / "reports", checks=CHECKS, pdf=False)
    assert result.files.html == tmp_path / "reports" / "pulse_report_2026-06-30.html"
    assert result.files.latest.read_text() == result.files.html.read_text()
    assert result.files.pdf is None and result.files.pdf_note == "PDF not requested"
    assert oct(result.files.latest.stat().st_mode & 0o044) == oct(0o044)  # readable by others
    md = attention_markdown(result.data, 10)
    lines = md.splitlines()
    assert len(lines) == 4 and lines[2].startswith("| 1 | C3 | Umbrella <Corp> & Co | ■ unhealthy")
    assert "Acme \\| Ltd" in lines[3]  # a pipe in a value does not break the table
    assert "900 EUR" in lines[2]
