-- One row per payment that exists as of the as-of date (paid_at <= as-of) on an invoice that
-- exists as of it (not void, issued on or before the as-of date).
-- A payment carries no currency of its own: it is in its invoice's currency, and it is
-- converted at the rate valid on the INVOICE's issued_at (the rate the invoice amount itself
-- is converted at), so that payments and invoice amounts stay comparable: an invoice paid in
-- full in its own currency is paid in full in the reporting currency too, with no exchange
-- difference appearing as an open or overpaid amount.
-- A table, not a view: its tests and the models reading it would each recompute it from
-- every invoice and payment (benchmarks/README.md).
{{ config(materialized='table') }}

with

invoices as (
    select
        stg_invoices.invoice_id,
        stg_invoices.customer_id,
        stg_invoices.issued_at,
        stg_invoices.due_at,
        stg_invoices.currency
    from {{ ref('stg_billing__invoices') }} as stg_invoices
    where {{ finance_invoice_exists('stg_invoices') }}
),

payments as (
    select
        stg_payments.payment_id,
        stg_payments.invoice_id,
        stg_payments.paid_at,
        stg_payments.amount as amount_local
    from {{ ref('stg_billing__payments') }} as stg_payments
    where stg_payments.paid_at <= {{ pulse_as_of_date() }}
),

final as (
    select
        payments.payment_id,
        payments.invoice_id,
        invoices.customer_id,
        payments.paid_at,
        invoices.issued_at as invoice_issued_at,
        invoices.due_at as invoice_due_at,
        invoices.currency,
        payments.amount_local,
        {{ convert_currency('payments.amount_local', 'invoices.currency', 'invoices.issued_at') }}
            as amount
    from payments
    inner join invoices on payments.invoice_id = invoices.invoice_id
)

select * from final
