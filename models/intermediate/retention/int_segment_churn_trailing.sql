-- One row per segment: its pooled monthly logo churn over the trailing
-- var('clv_trailing_months') complete months (churned customers / customers at the months'
-- starts, summed over the window: the average monthly churn weighted by the customers at
-- risk) and the expected customer lifetime it implies, 1 / churn, capped at
-- var('clv_max_lifetime_months') (also when the window saw no churn or no customer).
with

window_bounds as (
    {{ pulse_trailing_window_bounds(var('clv_trailing_months')) }}
),

movements as (
    select
        movements.segment,
        movements.is_active_at_start,
        movements.movement
    from {{ ref('int_customer_mrr_movements') }} as movements
    inner join window_bounds
        on
            movements.month
            between window_bounds.window_start_month and window_bounds.window_end_month
),

window_totals as (
    select
        segment,
        sum(case when is_active_at_start then 1 else 0 end) as customer_months_at_start,
        sum(case when movement = 'churn' then 1 else 0 end) as churned_customers
    from movements
    group by segment
),

segments as (
    select distinct segment from {{ ref('int_customer_activity') }}
),

rates as (
    select
        segments.segment,
        cast(coalesce(window_totals.customer_months_at_start, 0) as {{ dbt.type_bigint() }})
            as customer_months_at_start,
        cast(coalesce(window_totals.churned_customers, 0) as {{ dbt.type_bigint() }})
            as churned_customers,
        {{ pulse_ratio(
            'window_totals.churned_customers', 'window_totals.customer_months_at_start'
        ) }} as monthly_logo_churn_rate
    from segments
    left join window_totals on segments.segment = window_totals.segment
),

final as (
    select
        rates.segment,
        window_bounds.window_start_month,
        window_bounds.window_end_month,
        rates.customer_months_at_start,
        rates.churned_customers,
        rates.monthly_logo_churn_rate,
        cast(case
            when rates.monthly_logo_churn_rate > 0
                then least(
                    {{ var('clv_max_lifetime_months') }}, 1 / rates.monthly_logo_churn_rate
                )
            else {{ var('clv_max_lifetime_months') }}
        end as {{ pulse_type_double() }}) as expected_lifetime_months
    from rates
    cross join window_bounds
)

select * from final
