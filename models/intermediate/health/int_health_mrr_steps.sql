-- One row per customer and day on which its active subscriptions change (a subscription
-- starts or ends; subscriptions effective as of the as-of date): from that day until
-- next_change_day (exclusive; null = no later change), the number of active subscriptions,
-- their MRR (and its change on change_day), the start of the activity spell (the first day
-- of the run of active days holding that day; null while inactive) and the MRR on that first
-- day. A step function per customer: the health history's
-- customer-days (active_subscriptions > 0) and the MRR a year earlier (renewal) are read from
-- it without a join onto a calendar.
with

subscriptions as (
    select
        subscriptions.customer_id,
        subscriptions.mrr,
        subscriptions.started_at,
        subscriptions.ended_at
    from {{ ref('stg_billing__subscriptions') }} as subscriptions
    where {{ pulse_subscription_is_effective('subscriptions') }}
),

changes as (
    -- active on started_at <= d < ended_at: +1 on the start, -1 on the end
    select
        customer_id,
        started_at as change_day,
        1 as active_change,
        mrr as mrr_change
    from subscriptions
    union all
    select
        customer_id,
        ended_at as change_day,
        -1 as active_change,
        -1 * mrr as mrr_change
    from subscriptions
    where ended_at is not null
),

change_days as (
    select
        customer_id,
        change_day,
        sum(active_change) as active_change,
        sum(mrr_change) as mrr_change
    from changes
    group by customer_id, change_day
),

running as (
    select
        customer_id,
        change_day,
        sum(active_change) over customer_days as active_subscriptions,
        sum(mrr_change) over customer_days as mrr,
        mrr_change,
        lead(change_day) over (partition by customer_id order by change_day) as next_change_day
    from change_days
    window customer_days as (
        partition by customer_id
        order by change_day
        rows between unbounded preceding and current row
    )
),

spell_starts as (
    select
        running.*,
        case
            when
                running.active_subscriptions > 0
                and coalesce(lag(running.active_subscriptions) over (
                    partition by running.customer_id order by running.change_day
                ), 0) = 0
                then running.change_day
        end as starts_spell_on
    from running
),

spells as (
    select
        spell_starts.*,
        sum(case when spell_starts.starts_spell_on is not null then 1 else 0 end) over (
            partition by spell_starts.customer_id
            order by spell_starts.change_day
            rows between unbounded preceding and current row
        ) as spell_number
    from spell_starts
),

final as (
    select
        customer_id,
        change_day,
        next_change_day,
        cast(active_subscriptions as {{ dbt.type_int() }}) as active_subscriptions,
        mrr,
        mrr_change,
        case
            when active_subscriptions > 0
                then max(starts_spell_on) over spell_days
        end as spell_start,
        case
            when active_subscriptions > 0
                then first_value(mrr) over spell_days
        end as spell_start_mrr
    from spells
    window spell_days as (
        partition by customer_id, spell_number
        order by change_day
        rows between unbounded preceding and current row
    )
)

select * from final
