-- Invoice aging as of the as-of date: one row per invoice open on that date (not void, issued
-- on or before it, not paid in full by then), whom to call, how much is open, how far past
-- due, in which aging bucket, and what dunning has happened.
with

open_invoices as (
    select * from {{ ref('int_invoice_payment_status') }}
    where is_open
),

customers as (
    select
        int_customers.customer_id,
        int_customers.company_name,
        int_customers.segment
    from {{ ref('int_customers') }} as int_customers
),

final as (
    select
        open_invoices.invoice_id,
        open_invoices.as_of_date,
        {{ finance_reporting_currency() }} as reporting_currency,
        open_invoices.customer_id,
        customers.company_name,
        coalesce(customers.segment, 'unknown') as segment,
        open_invoices.issued_at,
        open_invoices.due_at,
        open_invoices.currency,
        open_invoices.amount_local,
        open_invoices.amount,
        open_invoices.paid_amount,
        open_invoices.open_amount,
        open_invoices.days_past_due,
        open_invoices.is_past_due as is_overdue,
        open_invoices.aging_bucket,
        open_invoices.bucket_order,
        cast(open_invoices.reminders_sent as {{ dbt.type_int() }}) as reminders_sent,
        cast(open_invoices.last_reminder_at as date) as last_reminder_date
    from open_invoices
    left join customers on open_invoices.customer_id = customers.customer_id
)

select * from final
