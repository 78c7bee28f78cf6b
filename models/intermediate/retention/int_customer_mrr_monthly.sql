-- One row per customer and month, from the month of the day before the customer's first
-- subscription start (so that a customer starting on a month's first day is seen inactive on
-- the previous first day) to the as-of date's month: is the customer active on the month's
-- first day, and its MRR that day (the sum of the mrr of its subscriptions active that day,
-- in the reporting currency; 0 when inactive). Snapshots on first days only: compact (per
-- customer-month, not per day), and the month-over-month movements of
-- int_customer_mrr_movements follow from two consecutive rows.
{{ config(materialized='table') }}

with

subscriptions as (
    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.mrr,
        subscriptions.started_at,
        subscriptions.ended_at
    from {{ ref('stg_billing__subscriptions') }} as subscriptions
    where {{ pulse_subscription_is_effective('subscriptions') }}
),

first_starts as (
    select
        customer_id,
        min(started_at) as first_started_at
    from subscriptions
    group by customer_id
),

first_months as (
    select
        customer_id,
        {{ pulse_month('first_started_at') }} as first_month,
        {{ pulse_month(dbt.dateadd('day', -1, 'first_started_at')) }} as range_start_month
    from first_starts
),

months as (
    {{ pulse_month_spine(
        '(select min(first_bounds.range_start_month) from first_months as first_bounds)',
        pulse_month(pulse_as_of_date())
    ) }}
),

customer_months as (
    select
        first_months.customer_id,
        first_months.first_month,
        months.month
    from first_months
    inner join months on first_months.range_start_month <= months.month
),

final as (
    select
        customer_months.customer_id,
        customer_months.month,
        count(subscriptions.subscription_id) > 0 as is_active,
        cast(coalesce(sum(subscriptions.mrr), 0) as decimal(18, 4)) as mrr,
        cast(count(subscriptions.subscription_id) as {{ dbt.type_bigint() }})
            as active_subscriptions,
        customer_months.month = customer_months.first_month as is_first_month
    from customer_months
    left join subscriptions
        on
            customer_months.customer_id = subscriptions.customer_id
            and {{ pulse_subscription_active_on('subscriptions', 'customer_months.month') }}
    group by customer_months.customer_id, customer_months.month, customer_months.first_month
)

select * from final
