-- The customers of dim_customer_health by health category on the as-of date: how many, their
-- share of the scored customers, their current MRR and MRR at risk, and how many need
-- attention (the Pulse report's health section reads it instead of counting in pandas). One row
-- per category, always all four (healthy, at_risk, unhealthy, and unscored: active customers
-- without a score yet), zeros where nobody is.
with

customers as (
    select
        coalesce(health_category, 'unscored') as health_category,
        current_mrr,
        mrr_at_risk,
        needs_attention
    from {{ ref('dim_customer_health') }}
),

categories as (
    select
        'healthy' as health_category,
        1 as category_order
    union all
    select
        'at_risk' as health_category,
        2 as category_order
    union all
    select
        'unhealthy' as health_category,
        3 as category_order
    union all
    select
        'unscored' as health_category,
        4 as category_order
),

per_category as (
    select
        health_category,
        count(*) as customers,
        sum(current_mrr) as current_mrr,
        sum(mrr_at_risk) as mrr_at_risk,
        sum(case when needs_attention then 1 else 0 end) as customers_needing_attention
    from customers
    group by health_category
),

scored as (
    select sum(customers) as scored_customers
    from per_category
    where health_category <> 'unscored'
),

final as (
    select
        categories.health_category,
        cast(categories.category_order as {{ dbt.type_int() }}) as category_order,
        cast(coalesce(per_category.customers, 0) as {{ dbt.type_bigint() }}) as customers,
        case
            when categories.health_category <> 'unscored'
                then {{ pulse_pct(
                    'coalesce(per_category.customers, 0)', 'scored.scored_customers'
                ) }}
        end as share_of_scored_pct,
        cast(coalesce(per_category.current_mrr, 0) as decimal(18, 4)) as current_mrr,
        cast(coalesce(per_category.mrr_at_risk, 0) as decimal(18, 4)) as mrr_at_risk,
        cast(
            coalesce(per_category.customers_needing_attention, 0) as {{ dbt.type_bigint() }}
        ) as customers_needing_attention
    from categories
    left join per_category on categories.health_category = per_category.health_category
    cross join scored
)

select * from final
