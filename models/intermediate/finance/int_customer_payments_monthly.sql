-- One row per (customer, month) in which the customer had any billing activity as of the
-- as-of date: an invoice issued, due or paid in full, a payment received, a reminder sent, or
-- an invoice open at the month's balance date. Built for the health score's payments
-- component: how a customer's payment behaviour evolves month by month. Months are calendar
-- months (month_start); the as-of month is "so far".
-- A table, not a view: its tests (and, for month-end balances, three marts) would each
-- recompute it from every invoice and payment (seconds each at SF10: benchmarks/README.md).
{{ config(materialized='table') }}

with

invoice_status as (
    select * from {{ ref('int_invoice_payment_status') }}
),

issued as (
    select
        invoice_status.customer_id,
        {{ pulse_month('invoice_status.issued_at') }} as month_start,
        count(*) as invoices_issued,
        sum(invoice_status.amount) as invoiced_amount
    from invoice_status
    group by invoice_status.customer_id, {{ pulse_month('invoice_status.issued_at') }}
),

due as (
    select
        invoice_status.customer_id,
        {{ pulse_month('invoice_status.due_at') }} as month_start,
        count(*) as invoices_due
    from invoice_status
    where invoice_status.due_at <= {{ pulse_as_of_date() }}
    group by invoice_status.customer_id, {{ pulse_month('invoice_status.due_at') }}
),

paid as (
    select
        invoice_status.customer_id,
        {{ pulse_month('invoice_status.paid_date') }} as month_start,
        count(*) as invoices_paid,
        count(case when invoice_status.is_paid_late then 1 end) as invoices_paid_late,
        sum(invoice_status.days_late) as days_late_sum,
        max(invoice_status.days_late) as max_days_late,
        count(case when invoice_status.paid_after_reminder then 1 end)
            as invoices_paid_after_reminder
    from invoice_status
    where invoice_status.is_paid
    group by invoice_status.customer_id, {{ pulse_month('invoice_status.paid_date') }}
),

collected as (
    select
        payments.customer_id,
        {{ pulse_month('payments.paid_at') }} as month_start,
        count(*) as payments_received,
        sum(payments.amount) as collected_amount
    from {{ ref('int_payments_converted') }} as payments
    group by payments.customer_id, {{ pulse_month('payments.paid_at') }}
),

reminded as (
    select
        invoice_status.customer_id,
        {{ pulse_month('reminders.sent_at') }} as month_start,
        count(*) as reminders_sent
    from {{ ref('stg_billing__payment_reminders') }} as reminders
    inner join invoice_status on reminders.invoice_id = invoice_status.invoice_id
    where cast(reminders.sent_at as date) <= {{ pulse_as_of_date() }}
    group by invoice_status.customer_id, {{ pulse_month('reminders.sent_at') }}
),

balances as (
    select
        month_end_balances.customer_id,
        month_end_balances.month_start,
        count(*) as open_invoices_at_month_end,
        sum(month_end_balances.open_amount) as open_amount_at_month_end,
        count(case when month_end_balances.is_past_due then 1 end)
            as past_due_invoices_at_month_end,
        sum(
            case when month_end_balances.is_past_due then month_end_balances.open_amount else 0 end
        ) as past_due_amount_at_month_end,
        max(month_end_balances.days_past_due) as max_days_past_due_at_month_end
    from {{ ref('int_invoice_month_end_balances') }} as month_end_balances
    group by month_end_balances.customer_id, month_end_balances.month_start
),

customer_months as (
    select
        issued.customer_id,
        issued.month_start
    from issued
    union
    select
        due.customer_id,
        due.month_start
    from due
    union
    select
        paid.customer_id,
        paid.month_start
    from paid
    union
    select
        collected.customer_id,
        collected.month_start
    from collected
    union
    select
        reminded.customer_id,
        reminded.month_start
    from reminded
    union
    select
        balances.customer_id,
        balances.month_start
    from balances
),

final as (
    select
        customer_months.customer_id,
        customer_months.month_start,
        coalesce(issued.invoices_issued, 0) as invoices_issued,
        cast(coalesce(issued.invoiced_amount, 0) as decimal(18, 4)) as invoiced_amount,
        coalesce(due.invoices_due, 0) as invoices_due,
        coalesce(paid.invoices_paid, 0) as invoices_paid,
        coalesce(paid.invoices_paid_late, 0) as invoices_paid_late,
        cast(paid.days_late_sum * 1.0 / paid.invoices_paid as decimal(18, 2)) as avg_days_late,
        paid.max_days_late,
        coalesce(paid.invoices_paid_after_reminder, 0) as invoices_paid_after_reminder,
        coalesce(collected.payments_received, 0) as payments_received,
        cast(coalesce(collected.collected_amount, 0) as decimal(18, 4)) as collected_amount,
        coalesce(reminded.reminders_sent, 0) as reminders_sent,
        coalesce(balances.open_invoices_at_month_end, 0) as open_invoices_at_month_end,
        cast(coalesce(balances.open_amount_at_month_end, 0) as decimal(18, 4))
            as open_amount_at_month_end,
        coalesce(balances.past_due_invoices_at_month_end, 0) as past_due_invoices_at_month_end,
        cast(coalesce(balances.past_due_amount_at_month_end, 0) as decimal(18, 4))
            as past_due_amount_at_month_end,
        balances.max_days_past_due_at_month_end
    from customer_months
    left join issued
        on
            customer_months.customer_id = issued.customer_id
            and customer_months.month_start = issued.month_start
    left join due
        on
            customer_months.customer_id = due.customer_id
            and customer_months.month_start = due.month_start
    left join paid
        on
            customer_months.customer_id = paid.customer_id
            and customer_months.month_start = paid.month_start
    left join collected
        on
            customer_months.customer_id = collected.customer_id
            and customer_months.month_start = collected.month_start
    left join reminded
        on
            customer_months.customer_id = reminded.customer_id
            and customer_months.month_start = reminded.month_start
    left join balances
        on
            customer_months.customer_id = balances.customer_id
            and customer_months.month_start = balances.month_start
)

select * from final
