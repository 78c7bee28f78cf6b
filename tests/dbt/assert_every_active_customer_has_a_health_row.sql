-- Nothing lost at the mart level (health): every customer with an active subscription on the
-- as-of date, recomputed here from staging, has exactly one row in dim_customer_health and one
-- in fct_customer_health_daily for that day; neither holds a customer who is not active.
-- Returns the mismatches.
-- In Dagster, the check of the model it guards (a test reading several models names its own).
{{ config(meta={"dagster": {"ref": {"name": "fct_customer_health_daily"}}}) }}
with

active as (
    select distinct customer_id
    from {{ ref('stg_billing__subscriptions') }}
    where
        started_at <= {{ pulse_as_of_date() }}
        and (ended_at is null or ended_at > {{ pulse_as_of_date() }})
),

dim as (
    select
        customer_id,
        count(*) as dim_rows
    from {{ ref('dim_customer_health') }}
    group by customer_id
),

daily as (
    select
        customer_id,
        count(*) as daily_rows
    from {{ ref('fct_customer_health_daily') }}
    where as_of_date = {{ pulse_as_of_date() }}
    group by customer_id
),

everyone as (
    select customer_id from active
    union
    select customer_id from dim
    union
    select customer_id from daily
)

select
    everyone.customer_id,
    active.customer_id is not null as is_active,
    coalesce(dim.dim_rows, 0) as dim_rows,
    coalesce(daily.daily_rows, 0) as daily_rows
from everyone
left join active on everyone.customer_id = active.customer_id
left join dim on everyone.customer_id = dim.customer_id
left join daily on everyone.customer_id = daily.customer_id
where
    (
        active.customer_id is not null
        and (coalesce(dim.dim_rows, 0) <> 1 or coalesce(daily.daily_rows, 0) <> 1)
    )
    or (
        active.customer_id is null
        and (dim.dim_rows is not null or daily.daily_rows is not null)
    )
