-- CLV, CAC and LTV:CAC per segment, with the 3:1 rule of thumb flagged.
-- avg_clv: mean clv of the segment's customers (dim_customer_clv).
-- cac: the channel CACs (trailing window) of the segment's customers acquired in that same
-- window, averaged: each channel's spend is spread evenly over the customers it acquired,
-- and a segment's cost is the spread it received. Spend of a channel that acquired nobody in
-- the window is not attributed to any segment.
-- fully_loaded_cac: cac plus the ledger's acquisition costs of the same window spread evenly
-- over every customer acquired in it (int_acquisition_costs_trailing), so each segment gets
-- the same amount per new customer. is_*cac_above_clv: the segment loses money on each new
-- customer (the CAC is known and above the average CLV).
with

clv as (
    select * from {{ ref('dim_customer_clv') }}
),

segment_churn as (
    select * from {{ ref('int_segment_churn_trailing') }}
),

channel_cac as (
    select * from {{ ref('int_channel_cac_trailing') }}
),

ledger_costs as (
    select * from {{ ref('int_acquisition_costs_trailing') }}
),

acquired_in_window as (
    select
        activity.segment,
        count(*) as new_customers,
        sum(channel_cac.cac) as allocated_marketing_spend
    from {{ ref('int_customer_activity') }} as activity
    inner join channel_cac
        on
            activity.acquisition_channel = channel_cac.channel
            and activity.acquisition_month
            between channel_cac.window_start_month and channel_cac.window_end_month
    group by activity.segment
),

segment_cac as (
    select
        segment,
        new_customers,
        allocated_marketing_spend,
        {{ pulse_ratio('allocated_marketing_spend', 'new_customers') }} as cac
    from acquired_in_window
),

per_segment as (
    select
        segment,
        count(*) as customers,
        sum(case when is_active then 1 else 0 end) as active_customers,
        sum(historical_revenue) as historical_revenue,
        avg(avg_monthly_revenue) as avg_monthly_revenue,
        avg(clv) as avg_clv
    from clv
    group by segment
),

ratios as (
    select
        per_segment.segment,
        per_segment.customers,
        per_segment.active_customers,
        per_segment.historical_revenue,
        per_segment.avg_monthly_revenue,
        segment_churn.monthly_logo_churn_rate,
        segment_churn.expected_lifetime_months,
        per_segment.avg_clv,
        segment_cac.new_customers,
        segment_cac.allocated_marketing_spend,
        segment_cac.cac,
        {{ pulse_ratio('per_segment.avg_clv', 'segment_cac.cac') }} as ltv_to_cac,
        segment_cac.cac + ledger_costs.ledger_cost_per_new_customer as fully_loaded_cac
    from per_segment
    left join segment_churn on per_segment.segment = segment_churn.segment
    left join segment_cac on per_segment.segment = segment_cac.segment
    cross join ledger_costs
),

final as (
    select
        segment,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        cast(active_customers as {{ dbt.type_bigint() }}) as active_customers,
        cast(historical_revenue as decimal(18, 4)) as historical_revenue,
        cast(avg_monthly_revenue as {{ pulse_type_double() }}) as avg_monthly_revenue,
        100 * monthly_logo_churn_rate as monthly_logo_churn_rate_pct,
        expected_lifetime_months,
        cast(avg_clv as {{ pulse_type_double() }}) as avg_clv,
        cast(coalesce(new_customers, 0) as {{ dbt.type_bigint() }}) as new_customers_in_window,
        cast(
            coalesce(allocated_marketing_spend, 0) as {{ pulse_type_double() }}
        ) as allocated_marketing_spend,
        cac,
        ltv_to_cac,
        cast({{ var('ltv_to_cac_target') }} as {{ pulse_type_double() }}) as ltv_to_cac_target,
        ltv_to_cac >= {{ var('ltv_to_cac_target') }} as meets_ltv_to_cac_target,
        fully_loaded_cac,
        {{ pulse_ratio('avg_clv', 'fully_loaded_cac') }} as ltv_to_fully_loaded_cac,
        {{ pulse_ratio('avg_clv', 'fully_loaded_cac') }} >= {{ var('ltv_to_cac_target') }}
            as meets_ltv_to_fully_loaded_cac_target,
        coalesce(cac > avg_clv, false) as is_cac_above_clv,
        coalesce(fully_loaded_cac > avg_clv, false) as is_fully_loaded_cac_above_clv
    from ratios
)

select * from final
