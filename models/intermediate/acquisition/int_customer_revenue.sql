-- One row per customer with a payment, or a fully paid invoice, as of the as-of date: the
-- revenue collected and the number of invoices paid in full, both DERIVED FROM PAYMENTS the
-- way finance derives them. The export's invoice status is informational (the contract);
-- a billing system whose export never says 'paid' must still show revenue.
--   historical_revenue: the customer's payments dated on or before the as-of date, on
--     invoices that exist then (not void, issued by then), each converted to the reporting
--     currency at its invoice's issued_at rate (int_payments_converted);
--   paid_invoices: the customer's invoices paid in full by the as-of date
--     (int_invoice_payment_status.is_paid: the cumulative payments reach the amount; an
--     invoice of amount 0 is paid when issued).
with

revenue as (
    select
        payments.customer_id,
        sum(payments.amount) as historical_revenue
    from {{ ref('int_payments_converted') }} as payments
    group by payments.customer_id
),

paid as (
    select
        invoices.customer_id,
        count(*) as paid_invoices
    from {{ ref('int_invoice_payment_status') }} as invoices
    where invoices.is_paid
    group by invoices.customer_id
),

customers as (
    select revenue.customer_id from revenue
    union
    select paid.customer_id from paid
),

final as (
    select
        customers.customer_id,
        cast(coalesce(paid.paid_invoices, 0) as {{ dbt.type_bigint() }}) as paid_invoices,
        cast(coalesce(revenue.historical_revenue, 0) as decimal(18, 4)) as historical_revenue
    from customers
    left join revenue on customers.customer_id = revenue.customer_id
    left join paid on customers.customer_id = paid.customer_id
)

select * from final
