-- One row per customer active on the as-of date: its latest health score (the as-of day's row
-- of fct_customer_health_daily) with category, colour, drivers, 30-day trend, segment,
-- current MRR and MRR at risk. Rebuilt every run from the as-of day only (cheap).
with

latest as (
    select * from {{ ref('fct_customer_health_daily') }}
    where as_of_date = {{ pulse_as_of_date() }}
),

activity as (
    select
        customer_id,
        current_mrr
    from {{ ref('int_customer_activity') }}
    where is_active
),

flagged as (
    select
        latest.*,
        coalesce(activity.current_mrr, latest.mrr) as current_mrr,
        {{ health_needs_attention(
            'latest.health_category', 'latest.health_score', 'latest.score_change_30d'
        ) }} as needs_attention
    from latest
    left join activity on latest.customer_id = activity.customer_id
),

final as (
    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(as_of_date as date) as as_of_date,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(scorecard as {{ dbt.type_string() }}) as scorecard,
        cast(health_score as {{ pulse_type_double() }}) as health_score,
        cast(health_category as {{ dbt.type_string() }}) as health_category,
        cast(health_color as {{ dbt.type_string() }}) as health_color,
        cast(coverage as {{ pulse_type_double() }}) as coverage,
        {%- for component in health_components() %}
            cast({{ component }}_score as {{ pulse_type_double() }}) as {{ component }}_score,
        {%- endfor %}
        cast(top_negative_driver as {{ dbt.type_string() }}) as top_negative_driver,
        cast(top_positive_driver as {{ dbt.type_string() }}) as top_positive_driver,
        cast(score_change_30d as {{ pulse_type_double() }}) as score_change_30d,
        cast(case
            when score_change_30d is null then 'new'
            when score_change_30d >= {{ var('health_trend_threshold_points') | float }}
                then 'improving'
            when score_change_30d <= -{{ var('health_trend_threshold_points') | float }}
                then 'declining'
            else 'stable'
        end as {{ dbt.type_string() }}) as trend,
        cast(current_mrr as decimal(18, 4)) as current_mrr,
        cast(
            case
                -- the customers someone must call (unhealthy, below the floor or dropping
                -- fast): with absolute scores, at_risk is most of the book, not a risk signal
                when needs_attention then current_mrr
                else 0
            end as decimal(18, 4)
        ) as mrr_at_risk,
        needs_attention
    from flagged
)

select * from final
