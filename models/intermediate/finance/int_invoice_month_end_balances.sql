-- One row per (month, invoice) for every invoice open at the month's balance date (its last
-- day; the as-of date for the as-of month): issued on or before it and not yet paid in full
-- by then. What was open, how far past due and in which aging bucket, at each month end.
-- For the as-of month the rows are exactly the open invoices of int_invoice_payment_status.
-- A table, not a view: its tests (and, for month-end balances, three marts) would each
-- recompute it from every invoice and payment (seconds each at SF10: benchmarks/README.md).
{{ config(materialized='table') }}

with

months as (
    select
        finance_months.month_start,
        finance_months.balance_date
    from {{ ref('int_finance_months') }} as finance_months
),

invoices as (
    select
        invoice_status.invoice_id,
        invoice_status.customer_id,
        invoice_status.issued_at,
        invoice_status.due_at,
        invoice_status.currency,
        invoice_status.amount_local,
        invoice_status.amount,
        invoice_status.paid_date
    from {{ ref('int_invoice_payment_status') }} as invoice_status
),

open_at_month_end as (
    select
        months.month_start,
        months.balance_date,
        invoices.invoice_id,
        invoices.customer_id,
        invoices.issued_at,
        invoices.due_at,
        invoices.currency,
        invoices.amount_local,
        invoices.amount
    from months
    inner join invoices
        on
            months.balance_date >= invoices.issued_at
            and (invoices.paid_date is null or months.balance_date < invoices.paid_date)
),

paid_by_month_end as (
    select
        open_at_month_end.month_start,
        open_at_month_end.invoice_id,
        sum(payments.amount_local) as paid_amount_local
    from open_at_month_end
    inner join {{ ref('int_payments_converted') }} as payments
        on
            open_at_month_end.invoice_id = payments.invoice_id
            and open_at_month_end.balance_date >= payments.paid_at
    group by open_at_month_end.month_start, open_at_month_end.invoice_id
),

converted as (
    select
        open_at_month_end.*,
        coalesce(paid_by_month_end.paid_amount_local, 0) as paid_amount_local,
        {{ convert_currency(
            'coalesce(paid_by_month_end.paid_amount_local, 0)',
            'open_at_month_end.currency',
            'open_at_month_end.issued_at'
        ) }} as paid_amount,
        greatest(
            0,
            {{ finance_days_between('open_at_month_end.due_at', 'open_at_month_end.balance_date') }}
        ) as days_past_due
    from open_at_month_end
    left join paid_by_month_end
        on
            open_at_month_end.month_start = paid_by_month_end.month_start
            and open_at_month_end.invoice_id = paid_by_month_end.invoice_id
),

final as (
    select
        converted.month_start,
        converted.balance_date,
        converted.balance_date = {{ pulse_as_of_date() }} as is_as_of_month,
        converted.invoice_id,
        converted.customer_id,
        converted.issued_at,
        converted.due_at,
        converted.amount,
        converted.paid_amount_local,
        converted.paid_amount,
        cast(converted.amount - converted.paid_amount as decimal(18, 4)) as open_amount,
        converted.days_past_due,
        converted.days_past_due > 0 as is_past_due,
        buckets.bucket as aging_bucket,
        buckets.bucket_order
    from converted
    left join {{ ref('aging_buckets') }} as buckets
        on {{ finance_in_aging_bucket('converted.days_past_due', 'buckets') }}
)

select * from final
