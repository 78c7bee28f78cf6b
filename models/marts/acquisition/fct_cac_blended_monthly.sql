-- All-channel (blended) customer acquisition cost per month, in its own table so that it can
-- never be summed together with the per-channel rows of fct_cac_monthly.
-- blended_cac = all spend / all new customers (organic ones included);
-- paid_cac = all spend / new customers of the channels that had spend in the month.
with

channel_months as (
    select * from {{ ref('int_acquisition_channel_monthly') }}
),

totals as (
    select
        month,
        is_complete_month,
        sum(marketing_spend) as marketing_spend,
        sum(new_customers) as new_customers,
        sum(case when marketing_spend > 0 then new_customers else 0 end) as paid_new_customers
    from channel_months
    group by month, is_complete_month
),

final as (
    select
        month,
        cast(marketing_spend as decimal(18, 4)) as marketing_spend,
        cast(new_customers as {{ dbt.type_bigint() }}) as new_customers,
        cast(paid_new_customers as {{ dbt.type_bigint() }}) as paid_new_customers,
        {{ pulse_ratio('marketing_spend', 'new_customers') }} as blended_cac,
        {{ pulse_ratio('marketing_spend', 'paid_new_customers') }} as paid_cac,
        is_complete_month
    from totals
)

select * from final
