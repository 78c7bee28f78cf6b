-- Upsell candidates: the customers of dim_customer_health that are healthy on the as-of date,
-- whose usage grows and who have room on their plan.
-- Growing: logins of the usage window (int_health_signals_daily.usage_logins, the health
-- signal) on the as-of date against the same signal var('playbook_upsell_growth_days') days
-- earlier (the window just before, at the default 30): more logins, and at least
-- var('playbook_upsell_min_growth_pct') % more. The customer must have been scored then.
-- Room: the contract has no seat count or plan limit, so room is measured against peers: at
-- least var('playbook_upsell_min_share_paying_more') of the segment's active customers pay a
-- strictly higher current MRR (the customer is in the lower part of its segment's MRR range).
{%- set growth_days = var('playbook_upsell_growth_days') | int %}
{%- set min_growth_pct = var('playbook_upsell_min_growth_pct') %}
{%- set min_share_more = var('playbook_upsell_min_share_paying_more') %}
with

health as (
    select
        customer_id,
        as_of_date,
        segment,
        health_score,
        health_category,
        current_mrr
    from {{ ref('dim_customer_health') }}
),

peers as (
    -- share of the segment's active customers paying strictly more (rank - 1 of them)
    select
        customer_id,
        (
            rank() over (partition by segment order by current_mrr desc) - 1
        ) / cast(count(*) over (partition by segment) as {{ pulse_type_double() }})
            as share_paying_more
    from health
),

logins_now as (
    select
        customer_id,
        usage_logins
    from {{ ref('int_health_signals_daily') }}
    where as_of_date = {{ pulse_as_of_date() }}
),

logins_before as (
    select
        customer_id,
        usage_logins
    from {{ ref('int_health_signals_daily') }}
    where as_of_date = {{ dbt.dateadd('day', -growth_days, pulse_as_of_date()) }}
),

customers as (
    select
        customer_id,
        company_name
    from {{ ref('int_customers') }}
),

candidates as (
    select
        health.*,
        customers.company_name,
        logins_now.usage_logins as logins_now,
        logins_before.usage_logins as logins_before,
        peers.share_paying_more
    from health
    inner join peers on health.customer_id = peers.customer_id
    inner join logins_now on health.customer_id = logins_now.customer_id
    inner join logins_before on health.customer_id = logins_before.customer_id
    left join customers on health.customer_id = customers.customer_id
    where
        health.health_category = 'healthy'
        and logins_now.usage_logins > logins_before.usage_logins
        and logins_now.usage_logins
        >= logins_before.usage_logins * (1 + {{ min_growth_pct }} / 100.0)
        and peers.share_paying_more >= {{ min_share_more }}
),

final as (
    select
        cast(row_number() over (
            order by logins_now - logins_before desc, current_mrr desc, customer_id asc
        ) as {{ dbt.type_int() }}) as upsell_rank,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(company_name as {{ dbt.type_string() }}) as company_name,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(as_of_date as date) as as_of_date,
        cast(health_score as {{ pulse_type_double() }}) as health_score,
        cast(current_mrr as decimal(18, 4)) as current_mrr,
        cast(logins_now as {{ dbt.type_int() }}) as logins_now,
        cast(logins_before as {{ dbt.type_int() }}) as logins_before,
        cast(
            case
                when logins_before > 0
                    then 100.0 * (logins_now - logins_before) / logins_before
            end as {{ pulse_type_double() }}
        ) as login_growth_pct,
        cast(share_paying_more * 100 as {{ pulse_type_double() }}) as segment_pct_paying_more,
        cast({{ dbt.concat([
            "'healthy (score '",
            pulse_number_text('health_score', 1),
            "'); logins '",
            "cast(cast(logins_before as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")",
            "' -> '",
            "cast(cast(logins_now as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")",
            "' over " ~ growth_days ~ " days; '",
            pulse_number_text('share_paying_more * 100', 0, 5),
            "'% of the segment pay more'",
        ]) }} as {{ dbt.type_string() }}) as reason
    from candidates
)

select * from final
