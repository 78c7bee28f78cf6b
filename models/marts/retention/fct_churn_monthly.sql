-- Logo and MRR churn per complete month and segment: every complete month (the next month's
-- first day is on or before the as-of date) from the first month any customer started, for
-- every segment with customers (zeros where nothing happened). Built from the per-customer
-- moves of int_customer_mrr_movements, so the MRR bridge holds by construction:
--   mrr_at_start + new_mrr + expansion_mrr - contraction_mrr - churned_mrr + reactivation_mrr
--   = mrr_at_end.
-- Rates: macros/metrics/retention_metrics.sql (shared with fct_churn_company_monthly).
with

movements as (
    select * from {{ ref('int_customer_mrr_movements') }}
),

months as (
    {{ pulse_month_spine(
        '(select min(movement_bounds.month) from movements as movement_bounds)',
        pulse_last_complete_month()
    ) }}
),

segments as (
    select distinct segment from movements
),

grid as (
    select
        months.month,
        segments.segment
    from months
    cross join segments
),

totals as (
    select
        month,
        segment,
        sum(case when is_active_at_start then 1 else 0 end) as customers_at_start,
        sum(case when is_new then 1 else 0 end) as new_customers,
        sum(case when movement = 'new' then 1 else 0 end) as new_customers_at_end,
        sum(case when movement = 'churn' then 1 else 0 end) as churned_customers,
        sum(case when movement = 'reactivation' then 1 else 0 end) as reactivated_customers,
        sum(case when is_active_at_end then 1 else 0 end) as customers_at_end,
        sum(mrr_at_start) as mrr_at_start,
        sum(new_mrr) as new_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(reactivation_mrr) as reactivation_mrr,
        sum(mrr_at_end) as mrr_at_end
    from movements
    group by month, segment
),

filled as (
    select
        grid.month,
        grid.segment,
        cast(coalesce(totals.customers_at_start, 0) as {{ dbt.type_bigint() }})
            as customers_at_start,
        cast(coalesce(totals.new_customers, 0) as {{ dbt.type_bigint() }}) as new_customers,
        cast(coalesce(totals.new_customers_at_end, 0) as {{ dbt.type_bigint() }})
            as new_customers_at_end,
        cast(coalesce(totals.churned_customers, 0) as {{ dbt.type_bigint() }}) as churned_customers,
        cast(coalesce(totals.reactivated_customers, 0) as {{ dbt.type_bigint() }})
            as reactivated_customers,
        cast(coalesce(totals.customers_at_end, 0) as {{ dbt.type_bigint() }}) as customers_at_end,
        cast(coalesce(totals.mrr_at_start, 0) as decimal(18, 4)) as mrr_at_start,
        cast(coalesce(totals.new_mrr, 0) as decimal(18, 4)) as new_mrr,
        cast(coalesce(totals.expansion_mrr, 0) as decimal(18, 4)) as expansion_mrr,
        cast(coalesce(totals.contraction_mrr, 0) as decimal(18, 4)) as contraction_mrr,
        cast(coalesce(totals.churned_mrr, 0) as decimal(18, 4)) as churned_mrr,
        cast(coalesce(totals.reactivation_mrr, 0) as decimal(18, 4)) as reactivation_mrr,
        cast(coalesce(totals.mrr_at_end, 0) as decimal(18, 4)) as mrr_at_end
    from grid
    left join totals
        on
            grid.month = totals.month
            and grid.segment = totals.segment
),

final as (
    select
        month,
        segment,
        {{ pulse_churn_measures() }}
    from filled
)

select * from final
