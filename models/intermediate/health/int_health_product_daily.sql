-- One row per customer, day, event type and feature with at least one usage event: the
-- compact daily form of the product events every health signal reads (usage, engagement and
-- advocacy windows), so that no health model scans the raw events per scored day.
-- Incremental: a run re-aggregates only the days from var('health_product_lookback_days')
-- before the last day already held (late-arriving events of those days are picked up) to
-- the as-of date, and replaces those days (delete+insert on activity_date; Spark: overwrites
-- their partitions, macro pulse_replace_days_config). Events dated after the as-of date are
-- not known yet.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **pulse_replace_days_config('activity_date')
) }}

with

events as (
    select
        customer_id,
        cast(occurred_at as date) as activity_date,
        event_type,
        feature
    from {{ ref('stg_product__usage_events') }}
    where
        customer_id is not null
        and cast(occurred_at as date) <= {{ pulse_as_of_date() }}
    {%- if is_incremental() %}
        and cast(occurred_at as date) >= (
            select
                coalesce(
                    {{ dbt.dateadd(
                        'day',
                        -1 * (var('health_product_lookback_days') | int),
                        'max(held.activity_date)'
                    ) }},
                    cast('1900-01-01' as date)
                )
            from {{ pulse_held_days(this, 'activity_date') }} as held
        )
        {%- endif %}
),

final as (
    select
        customer_id,
        activity_date,
        event_type,
        feature,
        cast(count(*) as {{ dbt.type_bigint() }}) as events
    from events
    group by customer_id, activity_date, event_type, feature
)

select * from final
