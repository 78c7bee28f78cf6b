-- One row per customer and target day: the seven component scores (0-100, higher =
-- healthier; null = no data that day): the stored layer fct_customer_health_daily scores.
-- Incremental, like the points it reads (the same days, the same fingerprint).
-- A component is the weighted mean of the points (int_health_signal_points) of its signals
-- that have a value, each signal weighing its row of seeds/health_signal_weights.csv (macro
-- health_component_mean; equal weights by default); usage then loses
-- var('health_inactivity_points_per_day') points per day without login / feature use beyond
-- var('health_inactivity_grace_days'), and is kept within 0-100.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **pulse_replace_days_config('as_of_date')
) }}

with

day_range as (
    {{ health_day_range(health_fingerprint('components')) }}
),

signals as (
    select
        signals_daily.customer_id,
        signals_daily.as_of_date,
        signals_daily.segment,
        signals_daily.mrr,
        signals_daily.usage_days_inactive
    from {{ ref('int_health_signals_daily') }} as signals_daily
    cross join day_range
    where signals_daily.as_of_date between day_range.first_day and day_range.last_day
),

signal_weights as (
    {{ health_signal_weights_pivot(ref('health_signal_weights')) }}
),

component_points as (
    select
        {%- for component in health_components() %}
            {{ health_component_mean(component, 'signal_weights') }} as {{ component }}_points,
        {%- endfor %}
        signal_points.customer_id,
        signal_points.as_of_date
    from {{ ref('int_health_signal_points') }} as signal_points
    cross join day_range
    cross join signal_weights
    where signal_points.as_of_date between day_range.first_day and day_range.last_day
),

final as (
    select
        signals.customer_id,
        signals.as_of_date,
        signals.segment,
        signals.mrr,
        -- greatest / least skip nulls on some engines: keep a missing usage null explicitly
        case
            when component_points.usage_points is not null
                then greatest(0, least(
                    100,
                    component_points.usage_points
                    - {{ var('health_inactivity_points_per_day') | float }}
                    * greatest(
                        0,
                        signals.usage_days_inactive
                        - {{ var('health_inactivity_grace_days') | int }}
                    )
                ))
        end as usage_score,
        {%- for component in health_components() if component != 'usage' %}
            component_points.{{ component }}_points as {{ component }}_score,
        {%- endfor %}
        signals.usage_days_inactive,
        cast({{ health_fingerprint('components') }} as {{ dbt.type_string() }})
            as config_fingerprint
    from signals
    inner join component_points
        on
            signals.customer_id = component_points.customer_id
            and signals.as_of_date = component_points.as_of_date
)

select * from final
