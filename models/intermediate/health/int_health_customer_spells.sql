-- One row per customer activity spell: a maximal run of days on which the customer has an
-- active subscription (started_at <= d < ended_at, the landing contract's rule), merging
-- overlapping and back-to-back subscriptions (a plan change ends one subscription the day
-- the next starts: one spell). spell_end is the first day without an active subscription
-- (null: still active, no end known). Only subscriptions effective as of the as-of date
-- (started on or before it, active on at least one day). Used for tenure (renewal component)
-- and for churn in the backtest (churned = the spell ends).
{{ config(materialized='table') }}

with

subscriptions as (
    select
        subscriptions.customer_id,
        subscriptions.started_at,
        coalesce(subscriptions.ended_at, cast('9999-12-31' as date)) as active_until
    from {{ ref('stg_billing__subscriptions') }} as subscriptions
    where {{ pulse_subscription_is_effective('subscriptions') }}
),

ordered as (
    select
        customer_id,
        started_at,
        active_until,
        max(active_until) over (
            partition by customer_id
            order by started_at, active_until
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from subscriptions
),

flagged as (
    select
        customer_id,
        started_at,
        active_until,
        case
            when covered_until is null or started_at > covered_until then 1 else 0
        end as starts_spell
    from ordered
),

numbered as (
    select
        customer_id,
        started_at,
        active_until,
        sum(starts_spell) over (
            partition by customer_id
            order by started_at, active_until
            rows between unbounded preceding and current row
        ) as spell_number
    from flagged
),

final as (
    select
        customer_id,
        cast(spell_number as {{ dbt.type_int() }}) as spell_number,
        min(started_at) as spell_start,
        case
            when max(active_until) < cast('9999-12-31' as date) then max(active_until)
        end as spell_end,
        max(active_until) as active_until
    from numbered
    group by customer_id, spell_number
)

select * from final
