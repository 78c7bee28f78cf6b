-- The days fct_customer_health_daily (re)computes in this run, one row each (ephemeral:
-- inlined into the health models, never stored).
--   * No history yet, or --full-refresh: the backfill, every day of the last
--     var('health_backfill_days') days up to the as-of date.
--   * Otherwise (the daily run): the days after the last day held, up to the as-of date (one
--     day on a normal daily run; a gap is caught up, within the backfill range), plus the
--     as-of date itself (re-running a day replaces it).
--   * When the stored configuration fingerprint differs from the current one (a weight,
--     threshold, band or health var changed), every day from the first day held (or the
--     backfill start, if earlier) to the as-of date: the history is restated under the new
--     configuration.
{{ config(materialized='ephemeral') }}
-- depends_on: {{ ref('health_score_weights') }}
-- depends_on: {{ ref('health_category_thresholds') }}
-- depends_on: {{ ref('health_score_bands') }}

{%- set history = health_existing_history() %}

with

bounds as (
    select
        cast({{ dbt.dateadd(
            'day', 1 - (var('health_backfill_days') | int), pulse_as_of_date()
        ) }} as date) as history_start,
        {{ pulse_as_of_date() }} as as_of_date
),

{%- if history is not none %}

held as (
    select
        min(history.as_of_date) as first_day,
        max(history.as_of_date) as last_day,
        sum(
            case when history.config_fingerprint = {{ health_config_fingerprint() }} then 0 else 1 end
        ) as stale_rows
    from {{ history }} as history
),

spine_bounds as (
    select
        case
            when held.first_day < bounds.history_start then held.first_day
            else bounds.history_start
        end as start_day,
        bounds.as_of_date as end_day
    from bounds
    cross join held
),

{%- else %}

    spine_bounds as (
        select
            bounds.history_start as start_day,
            bounds.as_of_date as end_day
        from bounds
    ),

{%- endif %}

days as (
    {{ health_day_spine('spine_bounds') }}
),

final as (
    select days.day as as_of_date
    from days
    cross join bounds
    {%- if history is not none %}
    cross join held
    {%- endif %}
    where
        days.day <= bounds.as_of_date
        {%- if history is none %}
            and days.day >= bounds.history_start
        {%- else %}
        and (
            days.day = bounds.as_of_date
            or (
                days.day >= bounds.history_start
                and (held.last_day is null or days.day > held.last_day)
            )
            or held.stale_rows > 0
        )
        {%- endif %}
)

select * from final
