-- The invoice_overdue rule reuses finance's definition of days past due: on the as-of date a
-- customer has an open invoice_overdue episode exactly when int_invoice_payment_status holds
-- an open invoice of the customer more than var health_alert_overdue_days days past due.
-- Returns the customers where the two disagree.
-- In Dagster, the check of the model it guards (a test reading several models names its own).
{{ config(meta={"dagster": {"ref": {"name": "fct_health_alert_episodes"}}}) }}
with

overdue as (
    select distinct customer_id
    from {{ ref('int_invoice_payment_status') }}
    where is_open and days_past_due > {{ var('health_alert_overdue_days') | int }}
),

alerted as (
    select customer_id
    from {{ ref('fct_health_alert_episodes') }}
    where is_open and rule = 'invoice_overdue'
)

select
    coalesce(overdue.customer_id, alerted.customer_id) as customer_id,
    overdue.customer_id is not null as has_overdue_invoice,
    alerted.customer_id is not null as has_open_alert
from overdue
full outer join alerted on overdue.customer_id = alerted.customer_id
where overdue.customer_id is null or alerted.customer_id is null
