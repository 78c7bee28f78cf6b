-- One row per customer and target day (int_health_target_days) with at least one invoice in
-- the payments window: the raw payments signals. An invoice counts from its due date to
-- relevant_until (int_health_invoices: var('health_payments_window_days') days after due, or
-- longer while unpaid); paid by the day = paid_date <= day (no later payment leaks in).
-- Ephemeral.
{{ config(materialized=pulse_health_chain_materialization()) }}

{%- set payments_days = var('health_payments_window_days') | int %}

with

target_days as (
    select as_of_date from {{ ref('int_health_target_days') }}
),

target_bounds as (
    select
        min(as_of_date) as first_day,
        max(as_of_date) as last_day
    from target_days
),

invoices as (
    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.due_at,
        invoices.amount,
        invoices.paid_date,
        invoices.relevant_until
    from {{ ref('int_health_invoices') }} as invoices
    cross join target_bounds
    where
        invoices.due_at <= target_bounds.last_day
        and invoices.relevant_until >= target_bounds.first_day
),

invoice_hits as (
    select
        target_days.as_of_date,
        invoices.customer_id,
        invoices.invoice_id,
        invoices.amount,
        invoices.due_at,
        coalesce(invoices.paid_date > target_days.as_of_date, true) as is_unpaid,
        -- paid by the day: days late at payment; unpaid: days past due so far
        greatest(
            0,
            {{ dbt.datediff(
                'invoices.due_at',
                'case when invoices.paid_date <= target_days.as_of_date'
                ~ ' then invoices.paid_date else target_days.as_of_date end',
                'day'
            ) }}
        ) as days_late
    from invoices
    inner join target_days
        on
            invoices.due_at <= target_days.as_of_date
            and invoices.relevant_until >= target_days.as_of_date
),

partial_payments as (
    -- what was paid by the day on invoices still unpaid and past due that day
    select
        invoice_hits.as_of_date,
        invoice_hits.invoice_id,
        sum(payments.amount) as paid_amount
    from invoice_hits
    inner join {{ ref('int_payments_converted') }} as payments
        on
            invoice_hits.invoice_id = payments.invoice_id
            and invoice_hits.as_of_date >= payments.paid_at
    where invoice_hits.is_unpaid and invoice_hits.days_late > 0
    group by invoice_hits.as_of_date, invoice_hits.invoice_id
),

payments_window as (
    select
        invoice_hits.as_of_date,
        invoice_hits.customer_id,
        count(*) as invoices,
        sum(case when invoice_hits.days_late > 0 then 1 else 0 end) as late_invoices,
        avg(cast(invoice_hits.days_late as {{ pulse_type_double() }})) as avg_days_late,
        sum(invoice_hits.amount) as amount,
        sum(
            case
                when invoice_hits.is_unpaid and invoice_hits.days_late > 0
                    then
                        greatest(0, invoice_hits.amount - coalesce(partial_payments.paid_amount, 0))
                else 0
            end
        ) as past_due_amount
    from invoice_hits
    left join partial_payments
        on
            invoice_hits.as_of_date = partial_payments.as_of_date
            and invoice_hits.invoice_id = partial_payments.invoice_id
    group by invoice_hits.as_of_date, invoice_hits.customer_id
),

reminders as (
    select
        invoices.customer_id,
        cast(reminders.sent_at as date) as sent_date
    from {{ ref('stg_billing__payment_reminders') }} as reminders
    inner join {{ ref('int_health_invoices') }} as invoices
        on reminders.invoice_id = invoices.invoice_id
    cross join target_bounds
    where
        cast(reminders.sent_at as date) <= target_bounds.last_day
        and cast(reminders.sent_at as date) > {{ dbt.dateadd(
            'day', -1 * payments_days, 'target_bounds.first_day'
        ) }}
),

reminders_window as (
    select
        target_days.as_of_date,
        reminders.customer_id,
        count(*) as reminders
    from reminders
    inner join target_days
        on {{ health_in_window('target_days.as_of_date', 'reminders.sent_date', payments_days) }}
    group by target_days.as_of_date, reminders.customer_id
),

final as (
    select
        payments_window.customer_id,
        payments_window.as_of_date,
        cast(
            100 * cast(payments_window.late_invoices as {{ pulse_type_double() }})
            / payments_window.invoices
            as {{ pulse_type_double() }}
        ) as payments_late_pct,
        cast(payments_window.avg_days_late as {{ pulse_type_double() }}) as payments_avg_days_late,
        cast(
            cast(coalesce(reminders_window.reminders, 0) as {{ pulse_type_double() }})
            / payments_window.invoices
            as {{ pulse_type_double() }}
        ) as payments_reminders_per_invoice,
        cast(case
            when payments_window.amount > 0
                then
                    100 * cast(payments_window.past_due_amount as {{ pulse_type_double() }})
                    / cast(payments_window.amount as {{ pulse_type_double() }})
            else 0
        end as {{ pulse_type_double() }}) as payments_past_due_pct
    from payments_window
    left join reminders_window
        on
            payments_window.customer_id = reminders_window.customer_id
            and payments_window.as_of_date = reminders_window.as_of_date
)

select * from final
