-- One row per invoice that exists as of the as-of date (not void, issued on or before it):
-- what has been paid on it by then, whether and when it was paid in full, how late, what is
-- still open and how far past due, its aging bucket and its dunning reminders.
-- Paid / open is DERIVED from the payments dated on or before the as-of date; the status
-- column of the billing export ('open', 'paid') is kept as export_status for information only
-- (it is only used to drop void invoices).
-- Paid-in-full is decided in the invoice's own currency (exact), then converted at the
-- invoice's issued_at rate, so paid_amount + open_amount = amount exactly when not overpaid.
-- A table, not a view: its 17 tests and the seven models reading it would each recompute it
-- from every invoice and payment (benchmarks/README.md).
{{ config(materialized='table') }}

with

as_of as (
    select {{ pulse_as_of_date() }} as as_of_date
),

invoices as (
    select
        stg_invoices.invoice_id,
        stg_invoices.customer_id,
        stg_invoices.issued_at,
        stg_invoices.due_at,
        stg_invoices.currency,
        stg_invoices.amount_local,
        stg_invoices.amount,
        stg_invoices.status as export_status
    from {{ ref('stg_billing__invoices') }} as stg_invoices
    where {{ finance_invoice_exists('stg_invoices') }}
),

payments as (
    select
        converted.payment_id,
        converted.invoice_id,
        converted.paid_at,
        converted.amount_local
    from {{ ref('int_payments_converted') }} as converted
    -- int_payments_converted already stops at the as-of date; kept here so this model
    -- stands on its own.
    where converted.paid_at <= {{ pulse_as_of_date() }}
),

payment_totals as (
    select
        payments.invoice_id,
        count(*) as payments_count,
        sum(payments.amount_local) as paid_amount_local,
        min(payments.paid_at) as first_paid_at,
        max(payments.paid_at) as last_paid_at
    from payments
    group by payments.invoice_id
),

running_payments as (
    select
        payments.invoice_id,
        payments.paid_at,
        sum(payments.amount_local) over (
            partition by payments.invoice_id
            order by payments.paid_at, payments.payment_id
            rows between unbounded preceding and current row
        ) as cumulative_paid_local
    from payments
),

completions as (
    -- the first date the cumulative payments reach the invoice amount
    select
        running_payments.invoice_id,
        min(running_payments.paid_at) as completed_at
    from running_payments
    inner join invoices on running_payments.invoice_id = invoices.invoice_id
    where running_payments.cumulative_paid_local >= invoices.amount_local
    group by running_payments.invoice_id
),

reminders as (
    select
        stg_reminders.invoice_id,
        count(*) as reminders_sent,
        min(stg_reminders.sent_at) as first_reminder_at,
        max(stg_reminders.sent_at) as last_reminder_at
    from {{ ref('stg_billing__payment_reminders') }} as stg_reminders
    where cast(stg_reminders.sent_at as date) <= {{ pulse_as_of_date() }}
    group by stg_reminders.invoice_id
),

paid_status as (
    select
        invoices.*,
        as_of.as_of_date,
        coalesce(payment_totals.payments_count, 0) as payments_count,
        payment_totals.first_paid_at,
        payment_totals.last_paid_at,
        coalesce(payment_totals.paid_amount_local, 0) as paid_amount_local,
        -- an invoice of amount 0 is paid when issued: its (no) payments reach 0 on that day
        case
            when invoices.amount_local = 0 then invoices.issued_at
            else completions.completed_at
        end as paid_date,
        coalesce(reminders.reminders_sent, 0) as reminders_sent,
        reminders.first_reminder_at,
        reminders.last_reminder_at
    from invoices
    cross join as_of
    left join payment_totals on invoices.invoice_id = payment_totals.invoice_id
    left join completions on invoices.invoice_id = completions.invoice_id
    left join reminders on invoices.invoice_id = reminders.invoice_id
),

converted as (
    select
        paid_status.*,
        {{ convert_currency(
            'paid_status.paid_amount_local', 'paid_status.currency', 'paid_status.issued_at'
        ) }} as paid_amount,
        case
            when paid_status.paid_date is null
                then greatest(
                    0, {{ finance_days_between('paid_status.due_at', 'paid_status.as_of_date') }}
                )
        end as days_past_due,
        case
            when paid_status.paid_date is not null
                then greatest(
                    0, {{ finance_days_between('paid_status.due_at', 'paid_status.paid_date') }}
                )
        end as days_late
    from paid_status
),

final as (
    select
        converted.invoice_id,
        converted.customer_id,
        converted.issued_at,
        converted.due_at,
        converted.currency,
        converted.amount_local,
        converted.amount,
        converted.export_status,
        converted.payments_count,
        converted.first_paid_at,
        converted.last_paid_at,
        converted.paid_amount_local,
        converted.paid_amount,
        case
            when converted.paid_date is not null then cast(0 as decimal(18, 4))
            else cast(converted.amount - converted.paid_amount as decimal(18, 4))
        end as open_amount,
        converted.paid_amount_local > converted.amount_local as is_overpaid,
        case
            when converted.paid_amount_local > converted.amount_local
                then cast(converted.paid_amount - converted.amount as decimal(18, 4))
            else cast(0 as decimal(18, 4))
        end as overpaid_amount,
        converted.paid_date is not null as is_paid,
        converted.paid_date,
        converted.days_late,
        coalesce(converted.days_late > 0, false) as is_paid_late,
        converted.paid_date is null as is_open,
        converted.days_past_due,
        coalesce(converted.days_past_due > 0, false) as is_past_due,
        buckets.bucket as aging_bucket,
        buckets.bucket_order,
        converted.reminders_sent,
        converted.first_reminder_at,
        converted.last_reminder_at,
        coalesce(
            converted.paid_date is not null
            and cast(converted.first_reminder_at as date) < converted.paid_date,
            false
        ) as paid_after_reminder,
        converted.as_of_date
    from converted
    left join {{ ref('aging_buckets') }} as buckets
        on {{ finance_in_aging_bucket('converted.days_past_due', 'buckets') }}
)

select * from final
