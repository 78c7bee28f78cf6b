-- Retention of each acquisition cohort (the customers whose first subscription started in
-- the cohort month), measured on the first day of each later month up to the as-of date:
-- logo retention (customers active / cohort size) and revenue retention (their MRR / the
-- cohort's MRR on each customer's first day; net: expansion and reactivation count).
-- months_since_start = 0 is the cohort at its start, 100% by definition.
with

activity as (
    select
        customer_id,
        acquisition_month as cohort_month,
        initial_mrr
    from {{ ref('int_customer_activity') }}
),

monthly as (
    select
        customer_id,
        month,
        is_active,
        mrr
    from {{ ref('int_customer_mrr_monthly') }}
),

cohorts as (
    select
        cohort_month,
        count(*) as cohort_size,
        sum(initial_mrr) as initial_mrr
    from activity
    group by cohort_month
),

later_months as (
    select
        activity.cohort_month,
        {{ dbt.datediff('activity.cohort_month', 'monthly.month', 'month') }}
            as months_since_start,
        sum(case when monthly.is_active then 1 else 0 end) as active_customers,
        sum(monthly.mrr) as mrr
    from activity
    inner join monthly
        on
            activity.customer_id = monthly.customer_id
            and activity.cohort_month < monthly.month
    group by activity.cohort_month, monthly.month
),

points as (
    select
        cohort_month,
        0 as months_since_start,
        cohort_size as active_customers,
        initial_mrr as mrr
    from cohorts
    union all
    select
        cohort_month,
        months_since_start,
        active_customers,
        mrr
    from later_months
),

final as (
    select
        points.cohort_month,
        cast(points.months_since_start as {{ dbt.type_int() }}) as months_since_start,
        cast(cohorts.cohort_size as {{ dbt.type_bigint() }}) as cohort_size,
        cast(points.active_customers as {{ dbt.type_bigint() }}) as active_customers,
        {{ pulse_pct('points.active_customers', 'cohorts.cohort_size') }} as logo_retention_pct,
        cast(cohorts.initial_mrr as decimal(18, 4)) as initial_mrr,
        cast(points.mrr as decimal(18, 4)) as mrr,
        {{ pulse_pct('points.mrr', 'cohorts.initial_mrr') }} as revenue_retention_pct
    from points
    inner join cohorts on points.cohort_month = cohorts.cohort_month
)

select * from final
