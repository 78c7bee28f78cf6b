"""Generate a synthetic landing folder for Pulse, in exactly the landing-zone contract.

    python -m tools.demo_data.generate --out DIR --scale 0.05 --seed 42 \
        --end-date YYYY-MM-DD

Everything is set-based DuckDB SQL: entities come from range(), every random number is a hash
of (seed, entity, salt) and every file is written by one ordered COPY. So a run is fast at
large scale and byte-identical for the same (seed, scale, end_date). DuckDB's random() is not
used: it is not reproducible under parallelism.

The story the data tells, so downstream metrics have something to find:
  * sign-ups grow steadily (the rate doubles over the window) with a mild yearly wave; about
    10% of the customers predate the two-year window;
  * a subscribed customer stays active until it churns (a constant hazard, lower for larger
    segments); some upgrade or downgrade, some buy an add-on, a few churners come back;
  * in the 90 days before churn usage drops to 30%, tickets get more frequent and more
    urgent, survey scores fall and invoices are paid late or not at all;
  * about 10% of the healthy customers pay late out of habit.
Every source also carries a sprinkling of contract-breaking rows (each breaks exactly one
rule), a few of them fixed later by a valid re-delivery, and ~1% re-exported rows for the
state-like sources. `_manifest.json` counts all of it so tests can predict the load.

CES is the 7-point "the company made it easy" agreement scale: 7 is easy, low is high effort.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.contract import DEFAULT_SCALE_MAX, REASON_CODES, SOURCES, UPDATED_AT, Source

# The loader owns the manifest's name (it skips the file when it scans the landing folder).
from orchestration.ingest.landing import DEMO_MANIFEST

CUSTOMERS_PER_SCALE = 10_000  # scale 1.0 = ~10k customers and ~1M usage events
OLDER_CUSTOMER_SHARE = 0.10  # created in the year before the window
EVENT_CANDIDATES_PER_YEAR = 150  # before thinning: ~115 kept per active year, ~1M at scale 1
BAD_ROW_SHARE = 0.003
FIXED_LATER_SHARE = 0.0005
REEXPORT_SHARE = 0.01
REEXPORTED_SOURCES = ("customers", "subscriptions", "invoices", "survey_responses")
INITIAL_FILE = -1  # file index of the snapshot of everything older than the window

FILE_FORMATS = {
    "customers": "csv",
    "subscriptions": "csv",
    "survey_responses": "jsonl",
    "support_tickets": "csv",
    "usage_events": "parquet",
    "invoices": "csv",
    "payments": "csv",
    "payment_reminders": "csv",
    "marketing_spend": "csv",
    "costs": "csv",
}
COPY_OPTIONS = {
    "csv": "FORMAT CSV, HEADER true",
    "parquet": "FORMAT PARQUET",
    "jsonl": "FORMAT JSON",
}

# ---------------------------------------------------------------------------------------
# Value distributions (weights need not sum to 1)
# ---------------------------------------------------------------------------------------
SEGMENTS = {"smb": 60, "mid_market": 30, "enterprise": 10}
CHANNELS = {
    "organic": 30,
    "paid_search": 25,
    "referral": 15,
    "paid_social": 13,
    "partner": 10,
    "events": 7,
}
# country: (weight, region, company suffix, local currency, share billed locally)
COUNTRIES = {
    "US": (42, "North America", "Inc", "USD", 0.0),
    "CA": (6, "North America", "Ltd", "USD", 0.0),
    "GB": (9, "EMEA", "Ltd", "GBP", 0.55),
    "DE": (7, "EMEA", "GmbH", "EUR", 0.6),
    "FR": (5, "EMEA", "SAS", "EUR", 0.6),
    "NL": (3, "EMEA", "BV", "EUR", 0.6),
    "ES": (2, "EMEA", "SL", "EUR", 0.6),
    "SE": (2, "EMEA", "AB", "USD", 0.0),
    "AU": (6, "APAC", "Pty Ltd", "USD", 0.0),
    "SG": (3, "APAC", "Pte Ltd", "USD", 0.0),
    "JP": (3, "APAC", "KK", "USD", 0.0),
    "IN": (3, "APAC", "Pvt Ltd", "USD", 0.0),
    "BR": (5, "LATAM", "Ltda", "USD", 0.0),
    "MX": (4, "LATAM", "SA de CV", "USD", 0.0),
}
COMPANY_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Wonka", "Stark"]
# The customer-success managers accounts are assigned to (the optional `owner` column, where
# alerts are routed): made-up addresses on the reserved example.com domain. About 15% of the
# customers have no owner: their alerts go to the default recipient.
CSM_OWNERS = ["ada@example.com", "ben@example.com", "chloe@example.com", "dev@example.com"]
UNOWNED_SHARE = 0.15
# plan: (tier, lowest mrr, highest mrr)
PLANS = {
    "starter": (1, 29, 149),
    "growth": (2, 149, 599),
    "business": (3, 600, 2500),
    "enterprise": (4, 2500, 20000),
}
EVENT_TYPES = {
    "login": 620,
    "feature_used": 300,
    "webinar_attended": 25,
    "course_completed": 25,
    "referral_made": 20,
    "review_posted": 10,
}
FEATURES = {
    "dashboards": 25,
    "reports": 20,
    "alerts": 12,
    "integrations": 10,
    "exports": 10,
    "automations": 10,
    "api": 8,
    "sharing": 5,
}
TICKET_CATEGORY = {"how_to": 35, "bug": 25, "billing": 15, "feature_request": 15, "outage": 10}
DISTRESS_CATEGORY = {"outage": 30, "bug": 35, "billing": 20, "how_to": 10, "feature_request": 5}
TICKET_PRIORITY = {"low": 30, "normal": 50, "high": 15, "urgent": 5}
DISTRESS_PRIORITY = {"low": 5, "normal": 25, "high": 40, "urgent": 30}
TICKET_CHANNEL = {"email": 50, "chat": 35, "phone": 15}
SURVEY_TYPES = {"nps": 40, "csat": 35, "ces": 25}
SURVEY_CHANNEL = {"email": 50, "in_app": 35, "web": 15}
TOUCHPOINTS = {"product": 45, "billing": 20, "renewal": 20, "support": 15}
COMMENTS = {
    "good": [
        "Love the new dashboards.",
        "Support solved it in minutes, thanks!",
        "Easy to use and reliable.",
        "Great onboarding, the team was very helpful.",
        "Reports save us hours every week.",
    ],
    "neutral": [
        "It does the job.",
        "Some features are hard to find.",
        "OK overall, pricing is a bit high.",
        "Would like more integrations.",
    ],
    "bad": [
        "Too many outages lately.",
        "Waited days for an answer.",
        "The invoice was wrong again.",
        "We are evaluating alternatives.",
        'The product got slower, "reports" time out.',
    ],
}
# channel, campaign (None = no campaign), USD per day at scale 1, cadence. Sized so that the
# paid channels' CAC is a few months of a new customer's MRR.
CAMPAIGNS = [
    ("paid_search", "search_brand", 2000.0, "daily"),
    ("paid_search", "search_generic", 6500.0, "daily"),
    ("paid_search", "search_competitor", 3000.0, "daily"),
    ("paid_social", "linkedin_prospecting", 4500.0, "daily"),
    ("paid_social", "meta_retargeting", 2250.0, "daily"),
    ("partner", None, 50000.0, "monthly"),
    ("events", "trade_shows", 125000.0, "event"),
    ("events", "webinar_promotion", 1250.0, "daily"),
]
# The accounting export's cost lines (Norwegian standard chart NS 4102 account numbers):
# account, department (None = none), currency, USD per month at scale 1. Sales and marketing
# payroll and tools are what fully loaded CAC adds to the ad spend above; the rest is overhead
# (seeds/cost_account_categories.csv counts a share of it). Advertising (7320) is not here:
# it is the marketing_spend export.
COST_LINES = [
    ("5000", "sales", "USD", 300000.0),
    ("5000", "marketing", "USD", 120000.0),
    ("5000", "product", "USD", 400000.0),
    ("5000", "admin", "USD", 150000.0),
    ("6300", None, "EUR", 60000.0),
    ("6540", "sales", "USD", 20000.0),
    ("6540", "marketing", "USD", 25000.0),
    ("7140", "sales", "NOK", 30000.0),
    ("7350", "sales", "USD", 10000.0),
]
COST_CATEGORY = {
    "5000": "Payroll",
    "6300": "Rent",
    "6540": "Software",
    "7140": "Travel",
    "7350": "Entertainment",
}


# ---------------------------------------------------------------------------------------
# SQL helpers
# ---------------------------------------------------------------------------------------
def _lit(value: str | None) -> str:
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def _pick(u: str, options: dict[str, float]) -> str:
    """A CASE choosing a value by weight, from a uniform [0, 1) column `u`."""
    total = sum(options.values())
    items = list(options.items())
    acc, whens = 0.0, []
    for value, weight in items[:-1]:
        acc += weight / total
        whens.append(f"WHEN {u} < {acc:.6f} THEN {_lit(value)}")
    return f"CASE {' '.join(whens)} ELSE {_lit(items[-1][0])} END"


def _map(column: str, mapping: dict[str, object]) -> str:
    """A CASE mapping each value of `column` to a literal."""
    whens = " ".join(
        f"WHEN {_lit(k)} THEN {_lit(v) if isinstance(v, str) or v is None else v}"
        for k, v in mapping.items()
    )
    return f"CASE {column} {whens} END"


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


@dataclass(frozen=True)
class Window:
    """Two years of history ending at `end` (inclusive), delivered in monthly files."""

    start: dt.date
    end: dt.date

    @classmethod
    def ending(cls, end: dt.date) -> Window:
        return cls(_years_before(end, 2) + dt.timedelta(days=1), end)

    @property
    def months(self) -> list[str]:
        y, m, out = self.start.year, self.start.month, []
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def file_label(self, index: int) -> str:
        return "0000_initial" if index == INITIAL_FILE else self.months[index]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _setup(con: duckdb.DuckDBPyConnection, window: Window, seed: int, customers: int) -> None:
    """Constants and the hash-based random helpers, as macros the stage SQL can call."""
    older = round(customers * OLDER_CUSTOMER_SHARE)
    oldest = _years_before(window.end, 3)
    statements = [
        f"CREATE MACRO seed() AS {int(seed)}",
        f"CREATE MACRO win_start() AS DATE '{window.start}'",
        f"CREATE MACRO win_end() AS DATE '{window.end}'",
        f"CREATE MACRO win_days() AS {(window.end - window.start).days + 1}",
        f"CREATE MACRO old_days() AS {(window.start - oldest).days}",
        f"CREATE MACRO n_customers() AS {customers}",
        f"CREATE MACRO n_older() AS {older}",
        f"CREATE MACRO last_file() AS {len(window.months) - 1}",
        # month number within the window; everything older goes to the initial file
        f"""CREATE MACRO month_idx(d) AS greatest({INITIAL_FILE},
            (year(d) - {window.start.year}) * 12 + month(d) - {window.start.month})""",
        # uniform [0, 1) from a hash: reproducible whatever the thread schedule
        "CREATE MACRO u1(a, salt) AS (hash(seed(), a, salt) % 1000000) / 1000000.0",
        "CREATE MACRO u2(a, b, salt) AS (hash(seed(), a, b, salt) % 1000000) / 1000000.0",
        # an element of a list, uniformly
        """CREATE MACRO hpick(lst, a, salt) AS
            lst[1 + CAST(hash(seed(), a, salt) % len(lst) AS BIGINT)]""",
        # roughly standard normal: Irwin-Hall sum of four uniforms
        """CREATE MACRO znorm(a, salt) AS
            (u2(a, 1, salt) + u2(a, 2, salt) + u2(a, 3, salt) + u2(a, 4, salt) - 2.0) * sqrt(3)""",
        # exporters disagree on timestamp style: mostly Z, some naive UTC, a few +02:00
        """CREATE MACRO fmt_ts(ts, u) AS CASE
            WHEN u < 0.85 THEN strftime(ts, '%Y-%m-%dT%H:%M:%SZ')
            WHEN u < 0.97 THEN strftime(ts, '%Y-%m-%d %H:%M:%S')
            ELSE strftime(ts + INTERVAL 2 HOUR, '%Y-%m-%dT%H:%M:%S+02:00') END""",
        "CREATE MACRO fmt_d(d) AS strftime(d, '%Y-%m-%d')",
        "CREATE MACRO money(x) AS printf('%.2f', x)",
        # business hours (UTC) most of the time, any hour otherwise; u in [0, 1)
        """CREATE MACRO day_seconds(u, u_sec) AS CASE
            WHEN u < 0.85 THEN (8 + floor(u / 0.85 * 10)) * 3600
            ELSE floor((u - 0.85) / 0.15 * 24) * 3600 END + floor(u_sec * 3600)""",
    ]
    for sql in statements:
        con.execute(sql)


# ---------------------------------------------------------------------------------------
# Entities: customers, their lifecycle and their subscriptions
# ---------------------------------------------------------------------------------------
def _build_customers(con: duckdb.DuckDBPyConnection) -> None:
    weights = {k: v[0] for k, v in COUNTRIES.items()}
    con.execute(f"""
    CREATE TABLE cust AS
    WITH ids AS (
        SELECT range AS num FROM range(1, n_customers() + 1)
    ),
    signup_day AS (
        -- Older customers spread evenly over the year before the window. The rest follow
        -- linear growth (inverse CDF of a rate that doubles), stratified by customer number
        -- so ids follow sign-up order.
        SELECT num,
            CASE WHEN num <= n_older()
                THEN -old_days() + (num - 1 + u1(num, 'signup')) / n_older() * old_days()
                ELSE win_days() * (sqrt(1 + 3 * (num - n_older() - 1 + u1(num, 'signup'))
                    / (n_customers() - n_older())) - 1)
            END AS day_f
        FROM ids
    ),
    seasonal AS (
        -- a mild yearly wave (+-20% in rate, busiest in March, quietest in September); the
        -- shift is monotone so the order is kept
        SELECT num, CAST(floor(CASE WHEN day_f < 0 THEN day_f
            ELSE least(win_days() - 1, greatest(0, day_f
                + 12 * sin(2 * pi() * (dayofyear(win_start()) + 107 + day_f) / 365.25)))
            END) AS INTEGER) AS day_n
        FROM signup_day
    ),
    draws AS (
        SELECT num, day_n, u1(num, 'segment') AS u_segment, u1(num, 'country') AS u_country,
            u1(num, 'channel') AS u_channel, u1(num, 'currency') AS u_currency,
            u1(num, 'blank') AS u_blank, u1(num, 'hour') AS u_hour, u1(num, 'sec') AS u_sec
        FROM seasonal
    ),
    labelled AS (
        SELECT *, {_pick("u_segment", SEGMENTS)} AS segment,
            {_pick("u_country", weights)} AS country,
            {_pick("u_channel", CHANNELS)} AS acquisition_channel
        FROM draws
    )
    SELECT num,
        printf('cus_%06d', num) AS customer_id,
        hpick({_list(COMPANY_WORDS)}, num, 'word')
            || ' ' || printf('%05d', num) || ' '
            || {_map("country", {k: v[2] for k, v in COUNTRIES.items()})} AS company_name,
        CASE WHEN u_blank >= 0.02 THEN printf('contact@company%05d.example', num) END AS email,
        CASE WHEN u1(num, 'owner') >= {UNOWNED_SHARE}
            THEN hpick({_list(CSM_OWNERS)}, num, 'owner_pick') END AS owner,
        segment,
        -- the CRM is re-exported after a segment change; the first export had this one
        CASE segment WHEN 'enterprise' THEN 'mid_market' ELSE 'smb' END AS segment_before,
        CASE WHEN u_blank < 0.97 THEN
            {_map("country", {k: v[1] for k, v in COUNTRIES.items()})} END AS region,
        country,
        acquisition_channel,
        win_start() + day_n + to_seconds(day_seconds(u_hour, u_sec)) AS created_ts,
        CASE WHEN u_currency < {_map("country", {k: v[4] for k, v in COUNTRIES.items()})}
            THEN {_map("country", {k: v[3] for k, v in COUNTRIES.items()})}
            ELSE 'USD' END AS bill_currency
    FROM labelled
    """)


def _build_lifecycle(con: duckdb.DuckDBPyConnection) -> None:
    plans = ", ".join(f"({t}, '{p}', {lo}, {hi})" for p, (t, lo, hi) in PLANS.items())
    con.execute(f"""
    CREATE TABLE plans(tier INTEGER, plan VARCHAR, lo DOUBLE, hi DOUBLE);
    INSERT INTO plans VALUES {plans};
    CREATE TABLE life AS
    WITH subscribed AS (
        -- most sign-ups subscribe within days; one after the last day has no subscription yet
        SELECT num, segment, created_ts, bill_currency,
            CAST(created_ts AS DATE) + CAST(floor(u1(num, 'lag') ^ 3 * 14) AS INTEGER)
                AS start_date
        FROM cust
    ),
    exposure AS (
        -- churn is only possible after a 60-day honeymoon, and is only seen in the window
        SELECT *, greatest(start_date + 60, win_start()) AS exposed_from,
            CASE segment WHEN 'smb' THEN 0.30 WHEN 'mid_market' THEN 0.17 ELSE 0.07 END
                AS churn_per_year
        FROM subscribed WHERE start_date <= win_end()
    ),
    churn AS (
        -- constant hazard: time to churn is exponential (memoryless, so older customers
        -- can start the clock at the window start)
        SELECT *, exposed_from + CAST(floor(-ln(1 - u1(num, 'churn')) * 365.25
            / churn_per_year) AS INTEGER) AS churn_candidate
        FROM exposure
    ),
    observed AS (
        SELECT *, CASE WHEN churn_candidate <= win_end() - 7 THEN churn_candidate END
            AS churn_date
        FROM churn
    ),
    first_plan AS (
        SELECT o.*, CASE segment
            WHEN 'smb' THEN CASE WHEN u1(num, 'plan') < 0.65 THEN 1 ELSE 2 END
            WHEN 'mid_market' THEN CASE WHEN u1(num, 'plan') < 0.45 THEN 2 ELSE 3 END
            ELSE CASE WHEN u1(num, 'plan') < 0.30 THEN 3 ELSE 4 END END AS tier
        FROM observed o
    ),
    priced AS (
        SELECT f.*, p.plan, round(p.lo + (p.hi - p.lo) * u1(num, 'mrr') ^ 1.7) AS mrr,
            coalesce(churn_date, win_end()) AS main_end
        FROM first_plan f JOIN plans p USING (tier)
    ),
    plan_change AS (
        -- ~15% move plan once: the old subscription ends, a new one starts the same day
        SELECT *, CASE WHEN u1(num, 'change') < 0.15 AND main_end - 30 > start_date + 60
            THEN start_date + 60 + CAST(floor(u1(num, 'change_day')
                * (main_end - 30 - start_date - 60)) AS INTEGER) END AS change_date,
            u1(num, 'change_dir') < 0.7 AS upgrade
        FROM priced
    ),
    extras AS (
        SELECT *,
            -- a second subscription (add-on) on the starter plan, more common for big accounts
            CASE WHEN u1(num, 'addon') < CASE segment WHEN 'smb' THEN 0.05
                    WHEN 'mid_market' THEN 0.12 ELSE 0.20 END
                AND main_end - start_date > 31
                THEN start_date + 30 + CAST(floor(u1(num, 'addon_day')
                    * (main_end - start_date - 31)) AS INTEGER) END AS addon_start,
            -- some churners come back 2-6 months later
            CASE WHEN churn_date IS NOT NULL AND u1(num, 'react') < 0.12
                AND churn_date + 60 + CAST(floor(u1(num, 'react_lag') * 121) AS INTEGER)
                    <= win_end()
                THEN churn_date + 60 + CAST(floor(u1(num, 'react_lag') * 121) AS INTEGER)
                END AS react_date
        FROM plan_change
    )
    SELECT num, segment, bill_currency, start_date, churn_date, react_date, addon_start,
        tier, plan, mrr, change_date,
        CASE WHEN change_date IS NULL THEN tier
            WHEN upgrade THEN least(4, tier + 1) ELSE greatest(1, tier - 1) END AS new_tier,
        CASE WHEN change_date IS NULL THEN mrr
            WHEN upgrade THEN round(mrr * (1.3 + 0.7 * u1(num, 'change_mrr')))
            ELSE greatest(19, round(mrr * (0.5 + 0.3 * u1(num, 'change_mrr')))) END AS new_mrr,
        greatest(10, round(mrr * (0.1 + 0.2 * u1(num, 'addon_mrr')))) AS addon_mrr,
        churn_date IS NULL AND u1(num, 'late') < 0.10 AS chronic_late,
        -- a customer's baseline mood; churners are a little less happy all along
        0.5 * znorm(num, 'sat') - CASE WHEN churn_date IS NULL THEN 0 ELSE 0.4 END AS sat,
        (0.5 + u1(num, 'engage')) * CASE segment WHEN 'smb' THEN 0.8
            WHEN 'mid_market' THEN 1.1 ELSE 1.6 END AS engagement,
        CAST(CASE segment WHEN 'smb' THEN 1 + floor(u1(num, 'users') * 5)
            WHEN 'mid_market' THEN 3 + floor(u1(num, 'users') * 18)
            ELSE 10 + floor(u1(num, 'users') * 51) END AS INTEGER) AS n_users
    FROM extras
    """)


def _build_subscriptions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
    CREATE TABLE subs AS
    WITH main AS (
        -- the first subscription ends at a plan change or at churn
        SELECT num, 1 AS sub_no, plan, mrr, start_date AS started,
            coalesce(change_date, churn_date) AS ended
        FROM life
    ),
    changed AS (
        SELECT l.num, 2, p.plan, l.new_mrr, l.change_date, l.churn_date
        FROM life l JOIN plans p ON p.tier = l.new_tier
        WHERE l.change_date IS NOT NULL
    ),
    addon AS (
        SELECT num, 3, 'starter', addon_mrr, addon_start, churn_date
        FROM life WHERE addon_start IS NOT NULL
    ),
    reactivated AS (
        -- the returning customer buys its last plan again, at a renegotiated price
        SELECT l.num, 4, p.plan, round(l.new_mrr * (0.8 + 0.3 * u1(l.num, 'react_mrr'))),
            l.react_date, NULL
        FROM life l JOIN plans p ON p.tier = l.new_tier
        WHERE l.react_date IS NOT NULL
    ),
    all_subs AS (
        SELECT * FROM main UNION ALL SELECT * FROM changed
        UNION ALL SELECT * FROM addon UNION ALL SELECT * FROM reactivated
    )
    SELECT s.num * 10 + s.sub_no AS rid, s.num, s.sub_no, s.plan, s.mrr, s.started, s.ended,
        printf('%06d_%d', s.num, s.sub_no) AS sub_ref, l.segment, l.churn_date,
        l.chronic_late, l.bill_currency,
        -- USD is often left implicit by the billing export
        CASE WHEN l.bill_currency = 'USD' AND u2(s.num, s.sub_no, 'cur_blank') < 0.5 THEN NULL
            ELSE l.bill_currency END AS currency
    FROM all_subs s JOIN life l USING (num)
    """)


def _build_activity(con: duckdb.DuckDBPyConnection) -> None:
    """Spells during which a customer has an active subscription (to_d exclusive); the
    first spell of a churner carries the start of its 90-day decline."""
    con.execute("""
    CREATE TABLE activity AS
    WITH first_spell AS (
        SELECT num, 1 AS spell, greatest(start_date, win_start()) AS from_d,
            coalesce(churn_date, win_end() + 1) AS to_d, churn_date - 90 AS decline_from
        FROM life
    ),
    comeback AS (
        SELECT num, 2, react_date, win_end() + 1, NULL FROM life WHERE react_date IS NOT NULL
    ),
    spells AS (SELECT * FROM first_spell UNION ALL SELECT * FROM comeback)
    SELECT s.*, s.to_d - s.from_d AS days, l.segment, l.engagement, l.n_users, l.sat,
        l.start_date
    FROM spells s JOIN life l USING (num)
    WHERE s.to_d > s.from_d
    """)


# ---------------------------------------------------------------------------------------
# Activity: usage, tickets, surveys
# ---------------------------------------------------------------------------------------
def _build_usage(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""
    CREATE TABLE ev AS
    WITH candidates AS (
        -- enough candidates for a busy weekday; thinning below shapes the real rate
        SELECT num, spell, from_d, days, decline_from, n_users,
            unnest(range(CAST(floor(days / 365.25 * {EVENT_CANDIDATES_PER_YEAR} * engagement
                + u2(num, spell, 'ev_n')) AS BIGINT))) AS i
        FROM activity
    ),
    placed AS (
        SELECT *, (num * 10 + spell) * 1000000 + i AS rid
        FROM candidates
    ),
    dated AS (
        SELECT *, from_d + CAST(floor(u1(rid, 'ev_day') * days) AS INTEGER) AS d
        FROM placed
    ),
    kept AS (
        -- weekends and the Christmas lull are quiet; churners fade to 30% before leaving
        SELECT * FROM dated
        WHERE u1(rid, 'ev_keep')
            < CASE WHEN isodow(d) >= 6 THEN 0.3 ELSE 1.0 END
            * CASE WHEN month(d) = 12 AND dayofmonth(d) >= 20 THEN 0.5 ELSE 1.0 END
            * CASE WHEN d >= decline_from THEN 0.3 ELSE 1.0 END
    ),
    draws AS (
        SELECT rid, num, spell, i, d, n_users, u1(rid, 'ev_type') AS u_type,
            u1(rid, 'ev_feature') AS u_feature, u1(rid, 'ev_user') AS u_user,
            u1(rid, 'ev_hour') AS u_hour, u1(rid, 'ev_sec') AS u_sec
        FROM kept
    )
    SELECT rid, num, spell, i,
        {_pick("u_type", EVENT_TYPES)} AS event_type,
        CASE WHEN event_type = 'feature_used' THEN {_pick("u_feature", FEATURES)} END
            AS feature,
        -- a few power users generate most events
        CAST(1 + floor(u_user ^ 1.5 * n_users) AS INTEGER) AS user_no,
        d + to_seconds(day_seconds(u_hour, u_sec)) AS ts,
        month_idx(d) AS file_idx
    FROM draws
    """)


def _build_tickets(con: duckdb.DuckDBPyConnection) -> None:
    def by_distress(normal: dict, distress: dict, u: str) -> str:
        return f"CASE WHEN distress = 1 THEN {_pick(u, distress)} ELSE {_pick(u, normal)} END"

    con.execute(f"""
    CREATE TABLE tk AS
    WITH periods AS (
        -- every active customer files tickets at a segment-typical rate ...
        SELECT num, spell, 0 AS distress, from_d AS lo, to_d AS hi,
            CASE segment WHEN 'smb' THEN 3.0 WHEN 'mid_market' THEN 6.0 ELSE 12.0 END
                AS per_year
        FROM activity
        UNION ALL
        -- ... and churners file extra, angrier ones in the quarter before they leave
        SELECT num, spell, 1, greatest(decline_from, from_d), to_d,
            CASE segment WHEN 'smb' THEN 9.0 WHEN 'mid_market' THEN 18.0 ELSE 36.0 END
        FROM activity WHERE decline_from IS NOT NULL AND to_d > greatest(decline_from, from_d)
    ),
    candidates AS (
        SELECT *, unnest(range(CAST(floor((hi - lo) / 365.25 * per_year
            + u2(num, spell * 2 + distress, 'tk_n')) AS BIGINT))) AS i
        FROM periods
    ),
    draws AS (
        SELECT *, ((num * 10 + spell) * 2 + distress) * 100000 + i AS rid
        FROM candidates
    ),
    shaped AS (
        SELECT *, lo + CAST(floor(u1(rid, 'tk_day') * (hi - lo)) AS INTEGER) AS d,
            {by_distress(TICKET_CATEGORY, DISTRESS_CATEGORY, "u1(rid, 'tk_cat')")} AS category,
            {by_distress(TICKET_PRIORITY, DISTRESS_PRIORITY, "u1(rid, 'tk_prio')")}
                AS priority,
            {_pick("u1(rid, 'tk_channel')", TICKET_CHANNEL)} AS channel
        FROM draws
    ),
    timed AS (
        SELECT *, d + to_seconds(day_seconds(u1(rid, 'tk_hour'), u1(rid, 'tk_sec'))) AS created_ts,
            -- urgent tickets are resolved fastest; the tail is long
            CASE priority WHEN 'urgent' THEN 1 + 11 * u1(rid, 'tk_res') ^ 2
                WHEN 'high' THEN 2 + 46 * u1(rid, 'tk_res') ^ 2
                WHEN 'normal' THEN 4 + 116 * u1(rid, 'tk_res') ^ 2
                ELSE 8 + 328 * u1(rid, 'tk_res') ^ 2 END AS hours_to_resolve
        FROM shaped
    ),
    resolved AS (
        SELECT *, created_ts + to_seconds(floor(hours_to_resolve * 3600)) AS resolved_candidate
        FROM timed
    )
    SELECT rid, num, distress, category, priority, channel, created_ts,
        -- still open: not resolved by the end, or (recent ones) simply stuck
        CASE WHEN resolved_candidate >= win_end() + 1 THEN NULL
            WHEN created_ts >= win_end() - 60 AND u1(rid, 'tk_stuck') < 0.05 THEN NULL
            ELSE resolved_candidate END AS resolved_ts,
        printf('TCK-%07d', row_number() OVER (ORDER BY created_ts, rid)) AS ticket_id,
        month_idx(created_ts) AS file_idx
    FROM resolved
    """)


def _build_surveys(con: duckdb.DuckDBPyConnection) -> None:
    default_scale = _map("survey_type", DEFAULT_SCALE_MAX)
    comment = (
        "CASE WHEN u1(rid, 'sv_comment') < 0.18 THEN CASE"
        f" WHEN norm_score >= 0.7 THEN hpick({_list(COMMENTS['good'])}, rid, 'text')"
        f" WHEN norm_score <= 0.4 THEN hpick({_list(COMMENTS['bad'])}, rid, 'text')"
        f" ELSE hpick({_list(COMMENTS['neutral'])}, rid, 'text') END END"
    )
    con.execute(f"""
    CREATE TABLE sv AS
    WITH periodic_candidates AS (
        -- relationship surveys: one to three a quarter while active
        SELECT num, spell, from_d, days, decline_from, start_date,
            unnest(range(CAST(floor(days / 365.25 * 7 + u2(num, spell, 'sv_n')) AS BIGINT))) AS i
        FROM activity
    ),
    periodic AS (
        SELECT num, ((num * 10 + spell) * 100000 + i) * 2 AS rid,
            from_d + CAST(floor(u1(((num * 10 + spell) * 100000 + i) * 2, 'sv_day') * days)
                AS INTEGER) AS d,
            decline_from, start_date
        FROM periodic_candidates
    ),
    periodic_shaped AS (
        SELECT num, rid, d + to_seconds(day_seconds(u1(rid, 'sv_hour'), u1(rid, 'sv_sec')))
                AS ts,
            {_pick("u1(rid, 'sv_type')", SURVEY_TYPES)} AS survey_type,
            CASE WHEN d < start_date + 45 THEN 'onboarding'
                ELSE {_pick("u1(rid, 'sv_touch')", TOUCHPOINTS)} END AS touchpoint,
            {_pick("u1(rid, 'sv_channel')", SURVEY_CHANNEL)} AS channel,
            NULL AS ticket_id, coalesce(d >= decline_from, false) AS distress, 0.0 AS pain
        FROM periodic
    ),
    after_ticket AS (
        -- a CSAT or CES survey follows ~30% of resolved tickets within two days
        SELECT num, rid * 2 + 1 AS rid,
            resolved_ts + to_seconds(floor(3600 + u1(rid, 'sv_wait') * 47 * 3600)) AS ts,
            CASE WHEN u1(rid, 'sv_ttype') < 0.75 THEN 'csat' ELSE 'ces' END AS survey_type,
            'support' AS touchpoint,
            CASE WHEN u1(rid, 'sv_tchan') < 0.8 THEN 'email' ELSE 'web' END AS channel,
            ticket_id, distress = 1 AS distress,
            CASE WHEN priority IN ('high', 'urgent') THEN 0.5 ELSE 0.0 END AS pain
        FROM tk
        WHERE resolved_ts IS NOT NULL AND u1(rid, 'sv_after') < 0.30
    ),
    responses AS (
        SELECT * FROM periodic_shaped UNION ALL SELECT * FROM after_ticket
    ),
    moods AS (
        -- distress (the quarter before churn, or an angry ticket) pulls every score down
        SELECT r.*, l.sat + 0.9 * znorm(r.rid, 'sv_mood')
            - CASE WHEN r.distress THEN 2.0 ELSE 0.0 END - r.pain AS mood,
            r.survey_type = 'csat' AND u1(r.rid, 'sv_ten') < 0.03 AS ten_point
        FROM responses r JOIN life l USING (num)
        WHERE r.ts < win_end() + 1
    ),
    scored AS (
        SELECT *, CAST(CASE
            WHEN survey_type = 'nps' THEN least(10, greatest(0, round(8.2 + 1.7 * mood)))
            WHEN ten_point THEN least(10, greatest(1, round(8.4 + 1.6 * mood)))
            WHEN survey_type = 'csat' THEN least(5, greatest(1, round(4.2 + 0.8 * mood)))
            ELSE least(7, greatest(1, round(5.6 + 1.1 * mood))) END AS INTEGER) AS score,
            CASE WHEN ten_point THEN 10
                -- the default scale is sometimes spelled out
                WHEN u1(rid, 'sv_explicit') < 0.12 THEN {default_scale} END AS scale_max
        FROM moods
    ),
    normalised AS (
        SELECT *, CASE WHEN survey_type = 'nps' THEN score / 10.0
            ELSE (score - 1) / (coalesce(scale_max, {default_scale}) - 1.0) END AS norm_score
        FROM scored
    )
    SELECT rid, num, survey_type, score, scale_max, ts, channel, touchpoint, ticket_id,
        {comment} AS comment,
        printf('SR-%08d', row_number() OVER (ORDER BY ts, rid)) AS response_id,
        month_idx(ts) AS file_idx
    FROM normalised
    """)


# ---------------------------------------------------------------------------------------
# Billing: invoices, payments, reminders; and marketing spend
# ---------------------------------------------------------------------------------------
def _build_invoices(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
    CREATE TABLE inv AS
    WITH anniversaries AS (
        SELECT *, unnest(range(datediff('month', started, coalesce(ended, win_end())) + 1))
            AS k
        FROM subs
    ),
    issued AS (
        -- one invoice per month of an active subscription, on the monthly anniversary
        SELECT *, CAST(started + to_months(CAST(k AS INTEGER)) AS DATE) AS issued_d
        FROM anniversaries
    ),
    in_window AS (
        SELECT *, rid * 1000 + k AS inv_rid,
            issued_d + CASE WHEN segment = 'enterprise' THEN 45 ELSE 30 END AS due_d,
            churn_date IS NOT NULL AND issued_d >= churn_date - 90 AS distress
        FROM issued
        WHERE issued_d >= win_start() AND issued_d <= win_end()
            AND issued_d < coalesce(ended, win_end() + 1)
    ),
    behaviour AS (
        SELECT *, u1(inv_rid, 'pay_u') AS u, u1(inv_rid, 'pay_days') AS u_days,
            u1(inv_rid, 'void') < 0.01 AS voided
        FROM in_window
    ),
    settled AS (
        -- when the invoice is fully paid (NULL: never)
        SELECT *, CASE
            WHEN voided THEN NULL
            WHEN distress AND u < 0.45 THEN NULL
            WHEN distress THEN due_d + 10 + CAST(floor(u_days * 51) AS INTEGER)
            WHEN chronic_late AND u < 0.8 THEN due_d + 5 + CAST(floor(u_days * 56) AS INTEGER)
            WHEN u < 0.04 THEN due_d + 1 + CAST(floor(u_days * 10) AS INTEGER)
            ELSE issued_d + 1 + CAST(floor(u_days * (due_d - issued_d)) AS INTEGER)
            END AS paid_d
        FROM behaviour
    ),
    partial AS (
        -- ~5% are paid in two instalments; the first lands some days before the second
        SELECT *, paid_d IS NOT NULL AND paid_d - issued_d >= 3
            AND u1(inv_rid, 'partial') < 0.05 AS split
        FROM settled
    )
    SELECT inv_rid AS rid, num, segment, printf('inv_%s_%03d', sub_ref, k) AS invoice_id,
        issued_d, due_d, mrr AS amount, currency, paid_d,
        CASE WHEN split THEN issued_d + 1 + CAST(floor(u1(inv_rid, 'first_day')
            * (paid_d - issued_d - 1)) AS INTEGER) END AS first_paid_d,
        CASE WHEN split THEN round(mrr * (0.4 + 0.3 * u1(inv_rid, 'first_share')), 2) END
            AS first_amount,
        CASE WHEN voided THEN 'void' WHEN paid_d <= win_end() THEN 'paid' ELSE 'open' END
            AS status,
        month_idx(issued_d) AS file_idx
    FROM partial
    """)
    con.execute("""
    CREATE TABLE pay AS
    WITH instalments AS (
        SELECT rid * 2 AS rid, invoice_id || '_1' AS payment_ref, invoice_id,
            first_paid_d AS paid_d, first_amount AS amount
        FROM inv WHERE first_paid_d IS NOT NULL
        UNION ALL
        SELECT rid * 2 + 1, invoice_id || CASE WHEN first_paid_d IS NULL THEN ''
            ELSE '_2' END, invoice_id, paid_d, amount - coalesce(first_amount, 0)
        FROM inv WHERE paid_d IS NOT NULL
    )
    SELECT rid, 'pay_' || substr(payment_ref, 5) AS payment_id, invoice_id, paid_d, amount,
        month_idx(paid_d) AS file_idx
    FROM instalments
    WHERE paid_d <= win_end()
    """)
    con.execute("""
    CREATE TABLE rem AS
    WITH steps AS (
        SELECT * FROM (VALUES (1, 7), (2, 14), (3, 30)) t(step, days_overdue)
    ),
    due AS (
        -- a reminder goes out 7, 14 and 30 days after the due date while still unpaid
        SELECT i.rid * 4 + s.step AS rid, i.invoice_id, s.days_overdue,
            i.due_d + s.days_overdue AS sent_d
        FROM inv i CROSS JOIN steps s
        WHERE i.status <> 'void' AND i.due_d + s.days_overdue <= win_end()
            AND (i.paid_d IS NULL OR i.paid_d > i.due_d + s.days_overdue)
    )
    SELECT rid, 'rem_' || substr(invoice_id, 5) || '_' || days_overdue AS reminder_id,
        invoice_id,
        sent_d + to_seconds(9 * 3600 + floor(u1(rid, 'rem_sec') * 7200)) AS sent_ts,
        month_idx(sent_d) AS file_idx
    FROM due
    """)


def _build_marketing(con: duckdb.DuckDBPyConnection, scale: float) -> None:
    rows = ", ".join(
        f"({n}, '{ch}', {_lit(cp)}, {base}, '{cad}')"
        for n, (ch, cp, base, cad) in enumerate(CAMPAIGNS, start=1)
    )
    con.execute(f"""
    CREATE TABLE ms AS
    WITH campaigns AS (
        SELECT * FROM (VALUES {rows}) t(campaign_no, channel, campaign, per_day, cadence)
    ),
    days AS (
        SELECT CAST(range AS DATE) AS d, CAST(range AS DATE) - win_start() AS day_n
        FROM range(win_start(), win_end() + 1, INTERVAL 1 DAY)
    ),
    scheduled AS (
        -- daily campaigns, partner payouts on the 1st, trade shows a few days a month
        SELECT c.*, d.d, d.day_n, d.day_n * 100 + c.campaign_no AS rid
        FROM campaigns c CROSS JOIN days d
        WHERE c.cadence = 'daily'
            OR (c.cadence = 'monthly' AND dayofmonth(d.d) = 1)
            OR (c.cadence = 'event' AND u2(d.day_n, c.campaign_no, 'event_day') < 0.1)
    ),
    priced AS (
        -- budgets grow over the window, peak in autumn and dip on weekends
        SELECT *, per_day * {float(scale)}
            * (0.8 + 0.4 * day_n / win_days())
            * (1 + 0.15 * sin(2 * pi() * (dayofyear(d) - 180) / 365.25))
            * CASE WHEN cadence = 'daily' AND isodow(d) >= 6 THEN 0.6 ELSE 1.0 END
            * (0.75 + 0.5 * u1(rid, 'spend')) AS amount
        FROM scheduled
    )
    SELECT rid, d, channel, campaign, greatest(0.01, round(amount, 2)) AS amount,
        CASE WHEN campaign = 'trade_shows' AND u1(rid, 'eur') < 0.25 THEN 'EUR'
            WHEN u1(rid, 'cur_blank') < 0.08 THEN NULL ELSE 'USD' END AS currency,
        month_idx(d) AS file_idx
    FROM priced
    """)


def _build_costs(con: duckdb.DuckDBPyConnection, scale: float) -> None:
    """Monthly ledger costs of the closed months (the month's last day by the window's end);
    the exporter dates some months by their first day, some by their last."""
    rows = ", ".join(
        f"({n}, '{acct}', {_lit(dept)}, '{cur}', {base})"
        for n, (acct, dept, cur, base) in enumerate(COST_LINES, start=1)
    )
    con.execute(f"""
    CREATE TABLE co AS
    WITH lines AS (
        SELECT * FROM (VALUES {rows}) t(line_no, account, department, currency, per_month)
    ),
    months AS (
        SELECT CAST(range AS DATE) AS m
        FROM range(date_trunc('month', win_start()), win_end() + 1, INTERVAL 1 MONTH)
        WHERE last_day(CAST(range AS DATE)) <= win_end()
    ),
    priced AS (
        -- costs grow with the company over the window, a little noise month to month
        SELECT l.*, mo.m, month_idx(mo.m) * 100 + l.line_no + 1000 AS rid,
            per_month * {float(scale)} * (0.8 + 0.4 * (mo.m - win_start()) / win_days())
            * (0.9 + 0.2 * u2(month_idx(mo.m), l.line_no, 'cost')) AS usd
        FROM lines l CROSS JOIN months mo
    )
    SELECT rid, m, account, department, currency,
        {_map("account", COST_CATEGORY)} AS cost_category,
        -- the row's own currency: USD converted back at a round demo rate
        round(usd / CASE currency WHEN 'EUR' THEN 1.08 WHEN 'NOK' THEN 0.1 ELSE 1 END, 2)
            AS amount,
        CASE WHEN u1(rid, 'month_end') < 0.3 THEN last_day(m) ELSE m END AS month_d,
        greatest(0, month_idx(m)) AS file_idx
    FROM priced
    """)


# ---------------------------------------------------------------------------------------
# Contract views: each source's good rows as text, plus hidden columns that drive delivery
# ---------------------------------------------------------------------------------------
# Hidden columns: _rid (unique row number), _file (file index), _sort (order within a file).
GOOD_ROWS = {
    "customers": """
        SELECT customer_id, company_name, email, segment, region, country,
            acquisition_channel, fmt_ts(created_ts, u1(num, 'fmt')) AS created_at, owner,
            num AS _rid, month_idx(created_ts) AS _file, created_ts AS _sort,
            segment_before AS _segment_before
        FROM cust""",
    "subscriptions": """
        SELECT 'sub_' || sub_ref AS subscription_id, printf('cus_%06d', num) AS customer_id,
            plan, money(mrr) AS mrr, currency, fmt_d(started) AS started_at,
            fmt_d(ended) AS ended_at,
            -- the demo bills monthly (one invoice a month) and exports no renewal date:
            -- the renewal forecast derives it from started_at
            CAST(NULL AS VARCHAR) AS renews_at, CAST(NULL AS VARCHAR) AS billing_interval,
            rid AS _rid, month_idx(started) AS _file, CAST(started AS TIMESTAMP) AS _sort,
            month_idx(ended) AS _ended_file
        FROM subs""",
    "survey_responses": """
        SELECT response_id, printf('cus_%06d', num) AS customer_id, survey_type,
            CAST(score AS VARCHAR) AS score, CAST(scale_max AS VARCHAR) AS scale_max,
            fmt_ts(ts, u1(rid, 'fmt')) AS responded_at, channel, touchpoint, ticket_id,
            comment, rid AS _rid, file_idx AS _file, ts AS _sort
        FROM sv""",
    "support_tickets": """
        SELECT ticket_id, printf('cus_%06d', num) AS customer_id,
            fmt_ts(created_ts, u1(rid, 'fmt')) AS created_at,
            fmt_ts(resolved_ts, u1(rid, 'fmt_res')) AS resolved_at, category, priority,
            channel, rid AS _rid, file_idx AS _file, created_ts AS _sort
        FROM tk""",
    "usage_events": """
        SELECT printf('evt_%06d_%d_%05d', num, spell, i) AS event_id,
            printf('cus_%06d', num) AS customer_id,
            printf('usr_%06d_%02d', num, user_no) AS user_id, event_type, feature,
            fmt_ts(ts, u1(rid, 'fmt')) AS occurred_at,
            rid AS _rid, file_idx AS _file, ts AS _sort
        FROM ev""",
    "invoices": """
        SELECT invoice_id, printf('cus_%06d', num) AS customer_id, fmt_d(issued_d) AS issued_at,
            fmt_d(due_d) AS due_at, money(amount) AS amount, currency, status,
            rid AS _rid, file_idx AS _file, CAST(issued_d AS TIMESTAMP) AS _sort,
            CASE WHEN status = 'paid' THEN month_idx(paid_d) END AS _paid_file
        FROM inv""",
    "payments": """
        SELECT payment_id, invoice_id, fmt_d(paid_d) AS paid_at, money(amount) AS amount,
            rid AS _rid, file_idx AS _file, CAST(paid_d AS TIMESTAMP) AS _sort
        FROM pay""",
    "payment_reminders": """
        SELECT reminder_id, invoice_id, fmt_ts(sent_ts, u1(rid, 'fmt')) AS sent_at,
            rid AS _rid, file_idx AS _file, sent_ts AS _sort
        FROM rem""",
    "marketing_spend": """
        SELECT fmt_d(d) AS spend_date, channel, campaign, money(amount) AS amount, currency,
            rid AS _rid, file_idx AS _file, CAST(d AS TIMESTAMP) AS _sort
        FROM ms""",
    "costs": """
        SELECT fmt_d(month_d) AS month, account, cost_category, money(amount) AS amount,
            currency, department, rid AS _rid, file_idx AS _file, CAST(m AS TIMESTAMP) AS _sort
        FROM co""",
}


def _good_rows(source: Source) -> str:
    """GOOD_ROWS with the optional updated_at column left empty: the demo's exports do not say
    when a row changed, so the file loaded last decides (as for a real export without it)."""
    if UPDATED_AT not in source.column_names:
        return GOOD_ROWS[source.name]
    return f"SELECT *, CAST(NULL AS VARCHAR) AS {UPDATED_AT} FROM ({GOOD_ROWS[source.name]})"


# The file a later version of a row is delivered in (re-exports, fixes); always > _file.
_SOON = "g._file + 1 + CAST(floor(u1(g._rid, 'later') * 3) AS INTEGER)"
LATER_FILE = {
    # a subscription is re-exported when it ends, an invoice when it is paid
    "subscriptions": f"greatest({_SOON}, coalesce(g._ended_file, 0))",
    "invoices": f"greatest({_SOON}, coalesce(g._paid_file, 0))",
}

# What the first export of a re-exported row said, before the change the re-export carries.
FIRST_VERSION = {
    "customers": {"segment": "g._segment_before"},
    "subscriptions": {"ended_at": "NULL"},
    "invoices": {"status": "CASE WHEN g.status = 'paid' THEN 'open' ELSE g.status END"},
}


# ---------------------------------------------------------------------------------------
# Defects: each corrupts one column so that the row breaks exactly one contract rule
# ---------------------------------------------------------------------------------------
def _bad_timestamp(col: str) -> str:  # 2025-03-04T10:15:00Z -> 04/03/2025 10:15
    return (
        f"substr({col}, 9, 2) || '/' || substr({col}, 6, 2) || '/' || substr({col}, 1, 4)"
        f" || ' ' || substr({col}, 12, 5)"
    )


def _bad_date(col: str) -> str:  # 2025-03-04 -> 03/04/2025
    return f"substr({col}, 6, 2) || '/' || substr({col}, 9, 2) || '/' || substr({col}, 1, 4)"


def _bad_number(col: str) -> str:  # 12.50 -> 12,50x
    return f"replace({col}, '.', ',') || 'x'"


def _negative(col: str) -> str:  # amounts are never zero, so this is < 0
    return f"'-' || {col}"


def _days_before(col: str, days: int) -> str:
    return f"fmt_d(CAST({col} AS DATE) - {days})"


@dataclass(frozen=True)
class Defect:
    reason: str
    column: str
    value: str  # SQL over the good row `g`


DEFECTS: dict[str, list[Defect]] = {
    "customers": [
        Defect("missing_required", "segment", "NULL"),
        Defect("invalid_timestamp", "created_at", _bad_timestamp("g.created_at")),
    ],
    "subscriptions": [
        Defect("missing_required", "customer_id", "NULL"),
        Defect("invalid_number", "mrr", _bad_number("g.mrr")),
        Defect("invalid_date", "started_at", _bad_date("g.started_at")),
        Defect("negative_amount", "mrr", _negative("g.mrr")),
        Defect("invalid_currency", "currency", "'US$'"),
        Defect("ended_before_started", "ended_at", _days_before("g.started_at", 7)),
    ],
    "survey_responses": [
        Defect("missing_required", "customer_id", "NULL"),
        Defect("invalid_timestamp", "responded_at", _bad_timestamp("g.responded_at")),
        Defect(
            "score_out_of_scale",
            "score",
            "CASE g.survey_type WHEN 'nps' THEN '11' WHEN 'ces' THEN '8' ELSE '0' END",
        ),
        Defect("invalid_value", "survey_type", "'pulse_check'"),
        Defect("invalid_integer", "score", "'n/a'"),
    ],
    "support_tickets": [
        Defect("missing_required", "category", "NULL"),
        Defect("invalid_timestamp", "created_at", _bad_timestamp("g.created_at")),
        Defect("invalid_value", "priority", "'critical'"),
        # a day before creation in UTC whatever the offset the created_at was written with
        Defect(
            "resolved_before_created",
            "resolved_at",
            "strftime(CAST(replace(substr(g.created_at, 1, 19), 'T', ' ') AS TIMESTAMP)"
            " - INTERVAL 1 DAY, '%Y-%m-%dT%H:%M:%SZ')",
        ),
    ],
    "usage_events": [
        Defect("missing_required", "event_type", "NULL"),
        Defect("invalid_timestamp", "occurred_at", _bad_timestamp("g.occurred_at")),
    ],
    "invoices": [
        Defect("missing_required", "customer_id", "NULL"),
        Defect("invalid_date", "issued_at", _bad_date("g.issued_at")),
        Defect("invalid_number", "amount", _bad_number("g.amount")),
        Defect("negative_amount", "amount", _negative("g.amount")),
        Defect("due_before_issued", "due_at", _days_before("g.issued_at", 3)),
        Defect("invalid_value", "status", "'pending'"),
        Defect("invalid_currency", "currency", "'EURO'"),
    ],
    "payments": [
        Defect("missing_required", "invoice_id", "NULL"),
        Defect("invalid_date", "paid_at", _bad_date("g.paid_at")),
        Defect("invalid_number", "amount", _bad_number("g.amount")),
        Defect("negative_amount", "amount", _negative("g.amount")),
    ],
    "payment_reminders": [
        Defect("missing_required", "invoice_id", "NULL"),
        Defect("invalid_timestamp", "sent_at", _bad_timestamp("g.sent_at")),
    ],
    "marketing_spend": [
        Defect("missing_required", "amount", "NULL"),
        Defect("invalid_date", "spend_date", _bad_date("g.spend_date")),
        Defect("invalid_number", "amount", _bad_number("g.amount")),
        Defect("negative_amount", "amount", _negative("g.amount")),
        Defect("invalid_currency", "currency", "'dollars'"),
    ],
    "costs": [
        Defect("missing_required", "account", "NULL"),
        Defect("invalid_date", "month", _bad_date("g.month")),
        Defect("invalid_number", "amount", _bad_number("g.amount")),
        Defect("invalid_currency", "currency", "'kroner'"),
    ],
}


def _key_sql(source: Source, alias: str = "g") -> str:
    """The primary key as one text, the way ingest builds it."""
    if len(source.primary_key) == 1:
        return f"{alias}.{source.primary_key[0]}"
    parts = ", ".join(f"coalesce({alias}.{k}, '')" for k in source.primary_key)
    return f"concat_ws('|', {parts})"


def _bad_key(source: Source, column: str) -> str:
    """A key no good row uses: the last key column gets a -bad-NNNN suffix."""
    suffix = "'-bad-' || printf('%04d', g.rnk)"
    if column != source.primary_key[-1]:
        return f"g.{column}"
    if len(source.primary_key) == 1:
        return f"g.{column} || {suffix}"
    return f"coalesce(g.{column}, g.{source.primary_key[1]}) || {suffix}"


def _counts(n_good: int, source: Source) -> tuple[int, int, int]:
    """How many bad copies, fixed-later rows and re-exports a source gets."""
    n_defects = len(DEFECTS[source.name])
    bad = max(2 * n_defects, round(n_good * BAD_ROW_SHARE))
    fixed = max(2, round(n_good * FIXED_LATER_SHARE))
    reexported = max(1, round(n_good * REEXPORT_SHARE)) if source.name in REEXPORTED_SOURCES else 0
    return bad, fixed, reexported


def _select_rows(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """sel_<source>: the good rows picked to be copied as bad, fixed later or re-exported.
    Fixed and re-exported rows need a later file, so never come from the last one."""
    name = source.name
    n_good = con.execute(f"SELECT count(*) FROM good_{name}").fetchone()[0]
    bad, fixed, reexported = _counts(n_good, source)
    con.execute(f"""
    CREATE TABLE sel_{name} AS
    WITH fixed AS (
        SELECT _rid, 'fixed' AS role FROM good_{name}
        WHERE _file < last_file()
        ORDER BY u1(_rid, 'sel_fixed'), _rid LIMIT {fixed}
    ),
    reexported AS (
        SELECT _rid, 'reexport' AS role FROM good_{name}
        WHERE _file < last_file() AND _rid NOT IN (SELECT _rid FROM fixed)
        ORDER BY u1(_rid, 'sel_reexport'), _rid LIMIT {reexported}
    ),
    bad AS (
        -- copies under a new key, so any row will do
        SELECT _rid, 'bad' AS role FROM good_{name}
        ORDER BY u1(_rid, 'sel_bad'), _rid LIMIT {bad}
    ),
    picked AS (
        SELECT * FROM fixed UNION ALL SELECT * FROM reexported UNION ALL SELECT * FROM bad
    )
    SELECT _rid, role, row_number() OVER (PARTITION BY role ORDER BY _rid) AS rnk
    FROM picked
    """)


def _defect_projection(source: Source, defects: list[Defect], new_key: bool) -> str:
    """Every contract column, with the defect of row g.rnk applied (round-robin)."""
    cols = []
    for c in source.column_names:
        value = _bad_key(source, c) if new_key else f"g.{c}"
        whens = " ".join(f"WHEN {i} THEN {d.value}" for i, d in enumerate(defects) if d.column == c)
        if whens:
            value = f"CASE (g.rnk - 1) % {len(defects)} {whens} ELSE {value} END"
        cols.append(f"{value} AS {c}")
    reasons = " ".join(f"WHEN {i} THEN '{d.reason}'" for i, d in enumerate(defects))
    cols.append(f"CASE (g.rnk - 1) % {len(defects)} {reasons} END AS _reason")
    return ", ".join(cols)


def _build_extra(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """extra_<source>: every row delivered besides the plain good rows. _kind 0 sits in its
    natural place in the file, _kind 1 is appended as a re-delivery."""
    name = source.name
    defects = DEFECTS[name]
    # a fixed-later row keeps its key, so its defect must not touch the key
    fixable = [d for d in defects if d.column not in source.primary_key]
    plain = ", ".join(f"g.{c}" for c in source.column_names)
    later = f"least(last_file(), {LATER_FILE.get(name, _SOON)})"
    hidden = "g._sort, g._rid"
    con.execute(f"""
    CREATE TABLE extra_{name} AS
    WITH picked AS (
        SELECT g.*, s.role, s.rnk FROM good_{name} g JOIN sel_{name} s USING (_rid)
    ),
    redelivered AS (
        -- re-exports and fixes: the valid row again, in a later file
        SELECT {plain}, NULL AS _reason, {later} AS _file, 1 AS _kind, {hidden}
        FROM picked g WHERE g.role IN ('reexport', 'fixed')
    ),
    broken_first AS (
        -- the first delivery of a fixed-later row is broken
        SELECT {_defect_projection(source, fixable, False)}, g._file, 0, {hidden}
        FROM picked g WHERE g.role = 'fixed'
    ),
    broken_copy AS (
        -- a broken copy under a new key, next to the row it was copied from
        SELECT {_defect_projection(source, defects, True)}, g._file, 0, {hidden}
        FROM picked g WHERE g.role = 'bad'
    )
    SELECT * FROM redelivered UNION ALL SELECT * FROM broken_first
    UNION ALL SELECT * FROM broken_copy
    """)


def _build_delivery(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """out_<source>: every delivered row with its file, in one view. The plain rows stay a
    view over the typed tables so a file's COPY only formats that file's rows."""
    name = source.name
    first = FIRST_VERSION.get(name, {})
    cols = ", ".join(
        f"CASE WHEN s.role = 'reexport' THEN {first[c]} ELSE g.{c} END AS {c}"
        if c in first
        else f"g.{c}"
        for c in source.column_names
    )
    con.execute(f"""
    CREATE VIEW out_{name} AS
    SELECT {cols}, NULL AS _reason, g._file, 0 AS _kind, g._sort, g._rid,
        {_key_sql(source)} AS _key
    FROM good_{name} g
    LEFT JOIN (SELECT _rid, role FROM sel_{name} WHERE role <> 'bad') s USING (_rid)
    -- a fixed-later row's first delivery is its broken version, in extra_
    WHERE s.role IS DISTINCT FROM 'fixed'
    UNION ALL
    SELECT *, {_key_sql(source, "e")} AS _key FROM extra_{name} e
    """)


# ---------------------------------------------------------------------------------------
# Writing files and the manifest
# ---------------------------------------------------------------------------------------
def _output_column(source: Source, fmt: str, column: str) -> str:
    """In JSON Lines an integer column is written as a JSON number when it is one."""
    if fmt == "jsonl" and source.column(column).type == "integer":
        return (
            f"CASE WHEN regexp_full_match({column}, '-?[0-9]+') THEN CAST({column} AS JSON)"
            f" ELSE to_json({column}) END AS {column}"
        )
    return column


def _write_source(
    con: duckdb.DuckDBPyConnection, out_dir: Path, source: Source, window: Window
) -> dict[str, int]:
    """One COPY per file, rows in a fixed order. Returns rows written per file name."""
    name, fmt = source.name, FILE_FORMATS[source.name]
    folder = out_dir / name
    folder.mkdir(parents=True)
    cols = ", ".join(_output_column(source, fmt, c) for c in source.column_names)
    files = [
        r[0] for r in con.execute(f"SELECT DISTINCT _file FROM out_{name} ORDER BY 1").fetchall()
    ]
    written: dict[str, int] = {}
    for index in files:
        path = folder / f"{name}_{window.file_label(index)}.{fmt}"
        sql = (
            f"COPY (SELECT {cols} FROM out_{name} WHERE _file = {index}"
            f" ORDER BY _kind, _sort, _key, _rid) TO {_lit(str(path))} ({COPY_OPTIONS[fmt]})"
        )
        written[path.name] = con.execute(sql).fetchone()[0]
    return written


def _source_manifest(
    con: duckdb.DuckDBPyConnection, source: Source, written: dict[str, int]
) -> dict:
    name = source.name
    bad = dict(
        con.execute(
            f"SELECT _reason, count(*) FROM extra_{name} WHERE _reason IS NOT NULL"
            " GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    roles = dict(con.execute(f"SELECT role, count(*) FROM sel_{name} GROUP BY 1").fetchall())
    return {
        "format": FILE_FORMATS[name],
        "files": len(written),
        "rows_written": sum(written.values()),
        "distinct_keys": con.execute(f"SELECT count(*) FROM good_{name}").fetchone()[0],
        "bad_rows": bad,
        "bad_rows_total": sum(bad.values()),
        "reexported": roles.get("reexport", 0),
        "fixed_later": roles.get("fixed", 0),
        "file_rows": written,
    }


def _facts(con: duckdb.DuckDBPyConnection) -> dict:
    """Ground truth about the simulated business, for sanity checks downstream."""
    row = con.execute("""
        SELECT (SELECT count(*) FROM cust), count(*), count(churn_date), count(react_date),
            count(change_date), count(addon_start),
            count(*) FILTER (WHERE churn_date IS NULL OR react_date IS NOT NULL)
        FROM life""").fetchone()
    keys = ["customers", "subscribed", "churned", "reactivated", "plan_changes", "add_ons"]
    facts = dict(zip(keys, row[:-1], strict=True))
    facts["active_at_end"] = row[-1]
    return facts


MANIFEST_NOTES = {
    "rows_written": "data rows in all files: good rows + re-exports + bad rows",
    "bad_rows": "rows breaking exactly one contract rule, by reason code; includes the"
    " first, broken delivery of each fixed_later key",
    "fixed_later": "keys delivered broken first and validly in a later file",
    "reexported": "valid rows delivered again (same key) in a later file; the later"
    " version wins and may carry changes (segment, ended_at, status)",
    "distinct_keys": "distinct valid primary keys after de-duplication",
    "bad keys": "bad rows that are not fixed later have a key ending in -bad-NNNN (for"
    " marketing_spend: the campaign; for costs: the department) or an empty required column",
}


def _prepare_out_dir(out_dir: Path) -> None:
    """Wipe the previous output, but only a folder this generator (or nobody) wrote."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ValueError(f"{out_dir} exists and is not a folder")
        if any(out_dir.iterdir()) and not (out_dir / DEMO_MANIFEST).exists():
            raise ValueError(f"refusing to wipe {out_dir}: not empty and has no {DEMO_MANIFEST}")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)


def _build_all(con: duckdb.DuckDBPyConnection, scale: float) -> None:
    _build_customers(con)
    _build_lifecycle(con)
    _build_subscriptions(con)
    _build_activity(con)
    _build_usage(con)
    _build_tickets(con)
    _build_surveys(con)
    _build_invoices(con)
    _build_marketing(con, scale)
    _build_costs(con, scale)
    for source in SOURCES:
        con.execute(f"CREATE VIEW good_{source.name} AS {_good_rows(source)}")
        _select_rows(con, source)
        _build_extra(con, source)
        _build_delivery(con, source)


def generate(
    out_dir: Path, scale: float = 0.05, seed: int = 42, end_date: dt.date | None = None
) -> dict:
    """Write a landing folder under out_dir (wiped first) and return its manifest, which is
    also written to out_dir/_manifest.json."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    end_date = end_date or dt.datetime.now(dt.UTC).date()
    window = Window.ending(end_date)
    customers = max(1, round(CUSTOMERS_PER_SCALE * scale))
    _prepare_out_dir(out_dir)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        _setup(con, window, seed, customers)
        _build_all(con, scale)
        sources = {}
        for source in SOURCES:
            written = _write_source(con, out_dir, source, window)
            sources[source.name] = _source_manifest(con, source, written)
        manifest = {
            "generator": "tools.demo_data.generate",
            "seed": seed,
            "scale": scale,
            "start_date": window.start.isoformat(),
            "end_date": window.end.isoformat(),
            "facts": _facts(con),
            "notes": MANIFEST_NOTES,
            "sources": sources,
        }
    finally:
        con.close()
    unknown = {r for s in sources.values() for r in s["bad_rows"]} - set(REASON_CODES)
    assert not unknown, f"reason codes missing from the contract: {unknown}"
    (out_dir / DEMO_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="landing folder to (re)write")
    parser.add_argument("--scale", type=float, default=0.05, help="1.0 = ~10k customers")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--end-date", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (today UTC)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = generate(args.out, args.scale, args.seed, args.end_date)
    for name, s in manifest["sources"].items():
        print(
            f"{name:18} {s['files']:3} files {s['rows_written']:>10,} rows"
            f"  bad {s['bad_rows_total']:>6,}  re-exported {s['reexported']:>6,}"
        )
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
