-- One row per month start held in fct_customer_health_daily whose churn horizon
-- (var('health_backtest_horizon_days'), 90 days) has ended on or before the as-of date, and per
-- customer scored that day (active on the month's first day, with a score): its score,
-- category and components that day, and whether it churned within the horizon: its activity
-- spell holding the month's first day ended (a day without an active subscription) on or
-- before month start + horizon. The score uses only facts up to the month's first day; the
-- outcome only the days after it. Input of rpt_health_score_backtest and of the weight
-- fitting helper (orchestration/health/fit_weights.py).
-- A table, not a view: each of its tests would otherwise re-read the whole health history
-- (14 s and 13 s at SF10).
{{ config(materialized='table') }}
{%- set horizon = var('health_backtest_horizon_days') | int %}

with

history as (
    -- the scores of the month starts whose horizon has ended: one filtered pass over the
    -- history, no join back to a list of such days
    select * from {{ ref('fct_customer_health_daily') }}
    where
        health_score is not null
        and as_of_date = {{ pulse_month('as_of_date') }}
        and {{ dbt.dateadd('day', horizon, 'as_of_date') }} <= {{ pulse_as_of_date() }}
),

final as (
    select
        history.customer_id,
        history.as_of_date as month_start,
        history.segment,
        history.scorecard,
        {%- for component in health_components() %}
            history.{{ component }}_score,
        {%- endfor %}
        history.health_score,
        history.coverage,
        history.health_category,
        history.mrr,
        spells.spell_end,
        coalesce(
            spells.spell_end <= {{ dbt.dateadd('day', horizon, 'history.as_of_date') }},
            false
        ) as churned
    from history
    inner join {{ ref('int_health_customer_spells') }} as spells
        on
            history.customer_id = spells.customer_id
            and history.as_of_date >= spells.spell_start
            and history.as_of_date < spells.active_until
)

select * from final
