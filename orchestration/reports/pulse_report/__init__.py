"""The Pulse report: one self-contained HTML page (and a PDF when Chromium is at hand) that shows
customer health at a glance, written from the published serving copy.

Pure functions, no Dagster: the asset `pulse_report` (orchestration/assets/report.py) calls
`render.build_report`; tests call the pieces. One job per module:

    data.py        load_report_data(serving_db): the marts it needs, read-only (None = missing);
                   ReportData, CheckResult
    values.py      a mart's cell as a plain Python value (number, date)
    format.py      numbers, money, months and the health badge as text
    headline.py    compute_headline(data): the latest complete month's NPS / CSAT / CES / logo
                   churn and the health distribution (also Dagster metadata)
    sections/      one module per section: what it selects from the marts and draws
    templates.py   the Jinja2 environment (autoescaping: every value is escaped)
    render.py      render_html(data, checks), write_report, write_pdf, build_report

The page's HTML is in orchestration/reports/templates/ (report.html, report.css, one template per
section); the charts are hand-written SVG (orchestration/reports/charts.py).

Sections: health distribution, attention list (reasons, drivers, 90-day score sparkline),
CSAT / NPS / CES by month (95% intervals, low-sample points and cells marked), churn and
GRR / NRR by month, cohort retention heat maps, CAC and LTV:CAC by channel, receivables aging,
the playbooks (advocates, upsell, renewals, collections: count and first rows of each), the
health-score backtest, data quality (files, quarantine, checks). A mart that is missing or empty
gives its section a note instead of a chart; an unexpected error in one section is shown in
that section (class `section-error`) and does not stop the others.

Accessibility: colour never carries meaning alone. Health categories are a symbol and a word
beside their colour (● healthy, ▲ at risk, ■ unhealthy); low-sample values are hollow points in
charts and a dagger (†) in tables; series differ by marker shape as well as colour; the palette
is Okabe-Ito (safe for the common colour-vision deficiencies).

No metric is computed here: every figure is read from a mart, and this package only selects,
formats and draws. The company-wide (all segments) CSAT, NPS, CES and churn are the
fct_*_company_monthly marts (models/marts/cx/, models/marts/retention/), computed in SQL by the
same macros as the per-segment marts (macros/metrics/); the low-sample flag and its threshold
(min_responses) come from those marts too. tests/test_report_has_no_formula.py keeps it so.
"""
