-- Logo and MRR churn per complete month over all segments: the company-wide figures the report
-- shows. Every customer is in exactly one segment of a month (int_customer_mrr_movements), so
-- the company's counts and MRR are the sums of fct_churn_monthly's segment rows; the rates are
-- then computed from those sums by the segment mart's own macros
-- (macros/metrics/retention_metrics.sql), never averaged from the segments' rates.
with

segments as (
    select * from {{ ref('fct_churn_monthly') }}
),

totals as (
    select
        month,
        sum(customers_at_start) as customers_at_start,
        sum(new_customers) as new_customers,
        sum(new_customers_at_end) as new_customers_at_end,
        sum(churned_customers) as churned_customers,
        sum(reactivated_customers) as reactivated_customers,
        sum(customers_at_end) as customers_at_end,
        sum(mrr_at_start) as mrr_at_start,
        sum(new_mrr) as new_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(reactivation_mrr) as reactivation_mrr,
        sum(mrr_at_end) as mrr_at_end
    from segments
    group by month
),

typed as (
    select
        month,
        cast(customers_at_start as {{ dbt.type_bigint() }}) as customers_at_start,
        cast(new_customers as {{ dbt.type_bigint() }}) as new_customers,
        cast(new_customers_at_end as {{ dbt.type_bigint() }}) as new_customers_at_end,
        cast(churned_customers as {{ dbt.type_bigint() }}) as churned_customers,
        cast(reactivated_customers as {{ dbt.type_bigint() }}) as reactivated_customers,
        cast(customers_at_end as {{ dbt.type_bigint() }}) as customers_at_end,
        cast(mrr_at_start as decimal(18, 4)) as mrr_at_start,
        cast(new_mrr as decimal(18, 4)) as new_mrr,
        cast(expansion_mrr as decimal(18, 4)) as expansion_mrr,
        cast(contraction_mrr as decimal(18, 4)) as contraction_mrr,
        cast(churned_mrr as decimal(18, 4)) as churned_mrr,
        cast(reactivation_mrr as decimal(18, 4)) as reactivation_mrr,
        cast(mrr_at_end as decimal(18, 4)) as mrr_at_end
    from totals
),

final as (
    select
        month,
        {{ pulse_churn_measures() }}
    from typed
)

select * from final
