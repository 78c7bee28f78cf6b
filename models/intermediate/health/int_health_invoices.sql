-- One row per invoice that exists as of the as-of date (int_invoice_payment_status: not
-- void, issued on or before it), with what the payments component needs for ANY earlier
-- day d: paid_date is the day its cumulative payments first reached its amount, so "paid by
-- d" is paid_date <= d, and payments dated after d never leak into d's score.
-- An invoice counts for the payments window of day d from its due date on
-- (due_at <= d <= relevant_until): for var('health_payments_window_days') days after it is
-- due, and longer while it stays unpaid (relevant_until is far in the future for an unpaid
-- invoice, the paid date when it was paid even later than the window).
{{ config(materialized='table') }}

with

invoices as (
    select
        invoice_id,
        customer_id,
        issued_at,
        due_at,
        amount,
        paid_date
    from {{ ref('int_invoice_payment_status') }}
    where customer_id is not null
),

final as (
    select
        invoice_id,
        customer_id,
        issued_at,
        due_at,
        amount,
        paid_date,
        case
            when paid_date is null then cast('9999-12-31' as date)
            else greatest(
                cast({{ dbt.dateadd(
                    'day', (var('health_payments_window_days') | int) - 1, 'due_at'
                ) }} as date),
                paid_date
            )
        end as relevant_until
    from invoices
)

select * from final
