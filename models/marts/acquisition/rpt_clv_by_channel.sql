-- CLV, CAC and LTV:CAC per acquisition channel, with the 3:1 rule of thumb flagged: the figures
-- of the Pulse report's acquisition section, computed here instead of in the report.
-- avg_clv: mean clv of the channel's customers (dim_customer_clv). cac, marketing_spend and
-- new_customers: the channel's trailing window (int_channel_cac_trailing, the CAC every
-- customer of the channel carries in dim_customer_clv). A channel without customers in
-- dim_customer_clv has no row (nobody to value).
with

clv as (
    select * from {{ ref('dim_customer_clv') }}
),

channel_cac as (
    select * from {{ ref('int_channel_cac_trailing') }}
),

per_channel as (
    select
        acquisition_channel,
        count(*) as customers,
        avg(clv) as avg_clv
    from clv
    group by acquisition_channel
),

ratios as (
    select
        per_channel.acquisition_channel,
        per_channel.customers,
        per_channel.avg_clv,
        channel_cac.window_start_month,
        channel_cac.window_end_month,
        channel_cac.marketing_spend,
        channel_cac.new_customers,
        channel_cac.cac,
        {{ pulse_ratio('per_channel.avg_clv', 'channel_cac.cac') }} as ltv_to_cac
    from per_channel
    left join channel_cac on per_channel.acquisition_channel = channel_cac.channel
),

final as (
    select
        acquisition_channel,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        cast(avg_clv as {{ pulse_type_double() }}) as avg_clv,
        window_start_month,
        window_end_month,
        cast(marketing_spend as decimal(18, 4)) as marketing_spend_in_window,
        cast(new_customers as {{ dbt.type_bigint() }}) as new_customers_in_window,
        cast(cac as {{ pulse_type_double() }}) as cac,
        cast(ltv_to_cac as {{ pulse_type_double() }}) as ltv_to_cac,
        cast({{ var('ltv_to_cac_target') }} as {{ pulse_type_double() }}) as ltv_to_cac_target,
        ltv_to_cac >= {{ var('ltv_to_cac_target') }} as meets_ltv_to_cac_target
    from ratios
)

select * from final
