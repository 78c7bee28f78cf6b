-- One row per customer and complete month in which something can be said about the customer:
-- active on the month's first day, or on the next month's first day, or new in the month.
-- Compares the two first-day snapshots of int_customer_mrr_monthly and classifies the
-- customer's move; the MRR columns satisfy, on every row,
--   mrr_at_start + new_mrr + expansion_mrr - contraction_mrr - churned_mrr
--   + reactivation_mrr = mrr_at_end.
-- A month is complete when the next month's first day is on or before the as-of date: exactly
-- the rows that have a next row in int_customer_mrr_monthly.
-- Inactive at the start and active at the end is 'new' when the customer's first-ever start
-- is on or after the month's first day (up to the next month's first day included: a
-- customer starting on August 1st enters July's bridge, as the snapshots see it), else
-- 'reactivation'.
with

monthly as (
    select
        customer_id,
        month,
        is_active,
        mrr,
        is_first_month
    from {{ ref('int_customer_mrr_monthly') }}
),

activity as (
    select
        customer_id,
        segment,
        first_started_at
    from {{ ref('int_customer_activity') }}
),

transitions as (
    select
        monthly.customer_id,
        monthly.month,
        activity.segment,
        activity.first_started_at >= monthly.month as is_first_start_on_or_after_month_start,
        monthly.is_first_month as is_new,
        monthly.is_active as is_active_at_start,
        monthly.mrr as mrr_at_start,
        lead(monthly.is_active) over (
            partition by monthly.customer_id order by monthly.month
        ) as is_active_at_end,
        lead(monthly.mrr) over (
            partition by monthly.customer_id order by monthly.month
        ) as mrr_at_end
    from monthly
    inner join activity on monthly.customer_id = activity.customer_id
),

classified as (
    select
        customer_id,
        month,
        segment,
        is_new,
        is_active_at_start,
        is_active_at_end,
        mrr_at_start,
        mrr_at_end,
        case
            when is_active_at_start and is_active_at_end
                then case
                    when mrr_at_end > mrr_at_start then 'expansion'
                    when mrr_at_end < mrr_at_start then 'contraction'
                    else 'flat'
                end
            when is_active_at_start then 'churn'
            when is_active_at_end and is_first_start_on_or_after_month_start then 'new'
            when is_active_at_end then 'reactivation'
            else 'new_and_gone'
        end as movement
    from transitions
    where
        is_active_at_end is not null
        and (is_active_at_start or is_active_at_end or is_new)
),

final as (
    select
        classified.customer_id,
        classified.month,
        classified.segment,
        classified.movement,
        classified.is_new,
        classified.is_active_at_start,
        classified.is_active_at_end,
        classified.mrr_at_start,
        cast(
            case when classified.movement = 'new' then classified.mrr_at_end else 0 end
            as decimal(18, 4)
        ) as new_mrr,
        cast(
            case
                when classified.movement = 'expansion'
                    then classified.mrr_at_end - classified.mrr_at_start
                else 0
            end as decimal(18, 4)
        ) as expansion_mrr,
        cast(
            case
                when classified.movement = 'contraction'
                    then classified.mrr_at_start - classified.mrr_at_end
                else 0
            end as decimal(18, 4)
        ) as contraction_mrr,
        cast(
            case when classified.movement = 'churn' then classified.mrr_at_start else 0 end
            as decimal(18, 4)
        ) as churned_mrr,
        cast(
            case when classified.movement = 'reactivation' then classified.mrr_at_end else 0 end
            as decimal(18, 4)
        ) as reactivation_mrr,
        classified.mrr_at_end
    from classified
)

select * from final
