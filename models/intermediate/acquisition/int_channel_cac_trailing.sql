-- One row per channel: CAC over the trailing var('clv_trailing_months') complete months
-- (spend / new customers over the window; null when the window acquired nobody, 0 for a
-- channel without spend). The per-customer CAC of dim_customer_clv.
with

window_bounds as (
    {{ pulse_trailing_window_bounds(var('clv_trailing_months')) }}
),

channel_months as (
    select
        channel_months.channel,
        channel_months.marketing_spend,
        channel_months.new_customers
    from {{ ref('int_acquisition_channel_monthly') }} as channel_months
    inner join window_bounds
        on
            channel_months.month
            between window_bounds.window_start_month and window_bounds.window_end_month
),

totals as (
    select
        channel,
        sum(marketing_spend) as marketing_spend,
        sum(new_customers) as new_customers
    from channel_months
    group by channel
),

final as (
    select
        totals.channel,
        window_bounds.window_start_month,
        window_bounds.window_end_month,
        cast(totals.marketing_spend as decimal(18, 4)) as marketing_spend,
        cast(totals.new_customers as {{ dbt.type_bigint() }}) as new_customers,
        {{ pulse_ratio('totals.marketing_spend', 'totals.new_customers') }} as cac
    from totals
    cross join window_bounds
)

select * from final
