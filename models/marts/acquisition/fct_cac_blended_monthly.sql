-- All-channel (blended) customer acquisition cost per month, in its own table so that it can
-- never be summed together with the per-channel rows of fct_cac_monthly.
-- blended_cac = all spend / all new customers (organic ones included);
-- paid_cac = all spend / new customers of the channels that had spend in the month.
-- Fully loaded: the ledger's acquisition costs of the month (int_acquisition_costs_monthly:
-- marketing team, sales, the acquisition share of overhead) added to the marketing spend;
-- fully_loaded_cac = that / all new customers. Null in a month the accounting export does not
-- cover (not the marketing-only figure: that would understate it).
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

ledger as (
    select * from {{ ref('int_acquisition_costs_monthly') }}
),

loaded as (
    select
        totals.*,
        ledger.ledger_marketing_costs,
        ledger.sales_costs,
        ledger.acquisition_overhead_costs,
        totals.marketing_spend + ledger.ledger_acquisition_costs
            as fully_loaded_acquisition_costs
    from totals
    left join ledger on totals.month = ledger.month
),

final as (
    select
        month,
        cast(marketing_spend as decimal(18, 4)) as marketing_spend,
        cast(new_customers as {{ dbt.type_bigint() }}) as new_customers,
        cast(paid_new_customers as {{ dbt.type_bigint() }}) as paid_new_customers,
        {{ pulse_ratio('marketing_spend', 'new_customers') }} as blended_cac,
        {{ pulse_ratio('marketing_spend', 'paid_new_customers') }} as paid_cac,
        is_complete_month,
        cast(ledger_marketing_costs as decimal(18, 4)) as ledger_marketing_costs,
        cast(sales_costs as decimal(18, 4)) as sales_costs,
        cast(acquisition_overhead_costs as decimal(18, 4)) as acquisition_overhead_costs,
        cast(fully_loaded_acquisition_costs as decimal(18, 4)) as fully_loaded_acquisition_costs,
        {{ pulse_ratio('fully_loaded_acquisition_costs', 'new_customers') }} as fully_loaded_cac
    from loaded
)

select * from final
