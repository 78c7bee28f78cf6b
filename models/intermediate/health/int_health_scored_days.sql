-- One row per customer and target day (int_health_target_days) on which the customer has an
-- active subscription (started_at <= d < ended_at; subscriptions effective as of the as-of
-- date): the base of the health score for that day, with the day's MRR, the start of the
-- activity spell holding the day and the renewal / tenure signals. Ephemeral.
{{ config(materialized=pulse_health_chain_materialization()) }}

{%- set renewal_days = var('health_renewal_window_days') | int %}

with

target_days as (
    select as_of_date from {{ ref('int_health_target_days') }}
),

subscriptions as (
    select
        subscriptions.customer_id,
        subscriptions.mrr,
        subscriptions.started_at,
        coalesce(subscriptions.ended_at, cast('9999-12-31' as date)) as active_until
    from {{ ref('stg_billing__subscriptions') }} as subscriptions
    where {{ pulse_subscription_is_effective('subscriptions') }}
),

scored as (
    -- the customers active on each target day (started_at <= d < ended_at) and their MRR
    select
        target_days.as_of_date,
        subscriptions.customer_id,
        sum(subscriptions.mrr) as mrr
    from target_days
    inner join subscriptions
        on
            target_days.as_of_date >= subscriptions.started_at
            and target_days.as_of_date < subscriptions.active_until
    group by target_days.as_of_date, subscriptions.customer_id
),

tenure as (
    select
        scored.as_of_date,
        scored.customer_id,
        spells.spell_start,
        case
            when
                spells.spell_start
                > {{ dbt.dateadd('day', -1 * renewal_days, 'scored.as_of_date') }}
                then spells.spell_start
            else cast({{ dbt.dateadd('day', -1 * renewal_days, 'scored.as_of_date') }} as date)
        end as reference_date
    from scored
    inner join {{ ref('int_health_customer_spells') }} as spells
        on
            scored.customer_id = spells.customer_id
            and scored.as_of_date >= spells.spell_start
            and scored.as_of_date < spells.active_until
),

reference_mrr as (
    -- MRR on the reference day: renewal_days before, or the spell's first day if later
    select
        tenure.as_of_date,
        tenure.customer_id,
        sum(subscriptions.mrr) as mrr
    from tenure
    inner join subscriptions
        on
            tenure.customer_id = subscriptions.customer_id
            and tenure.reference_date >= subscriptions.started_at
            and tenure.reference_date < subscriptions.active_until
    group by tenure.as_of_date, tenure.customer_id
),

final as (
    select
        scored.customer_id,
        scored.as_of_date,
        scored.mrr,
        tenure.spell_start,
        cast(
            {{ dbt.datediff('tenure.spell_start', 'scored.as_of_date', 'day') }}
            as {{ pulse_type_double() }}
        ) as renewal_tenure_days,
        cast(case
            when reference_mrr.mrr > 0
                then
                    100 * cast(scored.mrr - reference_mrr.mrr as {{ pulse_type_double() }})
                    / cast(reference_mrr.mrr as {{ pulse_type_double() }})
            else 0
        end as {{ pulse_type_double() }}) as renewal_mrr_change_pct
    from scored
    inner join tenure
        on
            scored.customer_id = tenure.customer_id
            and scored.as_of_date = tenure.as_of_date
    left join reference_mrr
        on
            scored.customer_id = reference_mrr.customer_id
            and scored.as_of_date = reference_mrr.as_of_date
)

select * from final
