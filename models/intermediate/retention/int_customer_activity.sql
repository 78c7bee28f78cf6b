-- One row per customer that had a subscription active on at least one day up to the as-of
-- date: when it started, whether it is active on the as-of date, its MRR then and at its
-- start. The customer-level retention facts the churn, cohort, CAC and CLV models (and the
-- health score) share.
{{ config(materialized='table') }}

with

subscriptions as (
    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.mrr,
        subscriptions.started_at,
        subscriptions.ended_at,
        {{ pulse_subscription_active_on('subscriptions', pulse_as_of_date()) }} as is_active_as_of
    from {{ ref('stg_billing__subscriptions') }} as subscriptions
    where {{ pulse_subscription_is_effective('subscriptions') }}
),

per_customer as (
    select
        customer_id,
        min(started_at) as first_started_at,
        count(*) as subscriptions,
        case when count(*) = count(ended_at) then max(ended_at) end as last_ended_at,
        sum(case when is_active_as_of then 1 else 0 end) as active_subscriptions,
        sum(case when is_active_as_of then mrr else 0 end) as current_mrr
    from subscriptions
    group by customer_id
),

initial_mrr as (
    -- MRR on the first day: the subscriptions starting that day (none can be older).
    select
        subscriptions.customer_id,
        sum(subscriptions.mrr) as initial_mrr
    from subscriptions
    inner join per_customer
        on
            subscriptions.customer_id = per_customer.customer_id
            and subscriptions.started_at = per_customer.first_started_at
    group by subscriptions.customer_id
),

customers as (
    select
        customer_id,
        segment,
        acquisition_channel
    from {{ ref('int_customers') }}
),

final as (
    select
        per_customer.customer_id,
        coalesce(customers.segment, 'unknown') as segment,
        coalesce(customers.acquisition_channel, 'unknown') as acquisition_channel,
        per_customer.first_started_at,
        {{ pulse_month('per_customer.first_started_at') }} as acquisition_month,
        cast(initial_mrr.initial_mrr as decimal(18, 4)) as initial_mrr,
        cast(per_customer.subscriptions as {{ dbt.type_bigint() }}) as subscriptions,
        per_customer.last_ended_at,
        per_customer.active_subscriptions > 0 as is_active,
        cast(per_customer.current_mrr as decimal(18, 4)) as current_mrr,
        cast(
            case
                when per_customer.active_subscriptions > 0
                    then {{ dbt.datediff(
                        'per_customer.first_started_at', pulse_as_of_date(), 'day'
                    ) }}
                else {{ dbt.datediff(
                    'per_customer.first_started_at', 'per_customer.last_ended_at', 'day'
                ) }}
            end as {{ dbt.type_bigint() }}
        ) as tenure_days
    from per_customer
    inner join initial_mrr on per_customer.customer_id = initial_mrr.customer_id
    left join customers on per_customer.customer_id = customers.customer_id
)

select * from final
