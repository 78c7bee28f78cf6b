-- Revenue comes from payments, never from the export's invoice status: every customer with a
-- payment dated on or before the as-of date, on an invoice that exists then (not void, issued
-- by then), has exactly the sum of those payments, each converted at its invoice's issued_at
-- rate, as historical_revenue in int_customer_revenue and (when the customer is there) in
-- dim_customer_clv. Recomputed here from staging. Returns one row per customer that differs.
-- In Dagster, the check of the model it guards (a test reading several models names its own).
{{ config(meta={"dagster": {"ref": {"name": "dim_customer_clv"}}}) }}
with

payments as (
    select
        invoices.customer_id,
        sum(
            {{ convert_currency('payments.amount', 'invoices.currency', 'invoices.issued_at') }}
        ) as paid_amount
    from {{ ref('stg_billing__payments') }} as payments
    inner join {{ ref('stg_billing__invoices') }} as invoices
        on payments.invoice_id = invoices.invoice_id
    where
        payments.paid_at <= {{ pulse_as_of_date() }}
        and {{ finance_invoice_exists('invoices') }}
    group by invoices.customer_id
),

compared as (
    select
        payments.customer_id,
        payments.paid_amount,
        revenue.historical_revenue,
        clv.customer_id as clv_customer_id,
        clv.historical_revenue as clv_historical_revenue
    from payments
    left join {{ ref('int_customer_revenue') }} as revenue
        on payments.customer_id = revenue.customer_id
    left join {{ ref('dim_customer_clv') }} as clv
        on payments.customer_id = clv.customer_id
)

select *
from compared
where
    historical_revenue is null
    or historical_revenue <> paid_amount
    or (clv_customer_id is not null and clv_historical_revenue <> paid_amount)
