-- How each customer pays, as of the as-of date: one row per customer with at least one
-- invoice (not void, issued on or before the as-of date). Paid-invoice figures cover the whole
-- history up to the as-of date; open figures are the state on the as-of date; the trend
-- compares the last finance_trend_window_days with the window before; payer_category follows
-- the rule in dbt_project.yml (vars finance_*) and the YAML of this model.
{%- set window_days = var('finance_trend_window_days') | int %}
{%- set min_trend_paid = var('finance_trend_min_invoices_paid') | int %}
{%- set trend_threshold = var('finance_trend_threshold_days') %}
{%- set severe_days = var('finance_severely_overdue_days') | int %}
{%- set habitual_min_paid = var('finance_habitual_min_invoices_paid') | int %}
{%- set habitual_late_pct = var('finance_habitual_late_share_pct') %}
with

invoice_status as (
    select
        int_invoice_payment_status.*,
        {{ finance_days_between('int_invoice_payment_status.paid_date', pulse_as_of_date()) }}
            as days_since_paid
    from {{ ref('int_invoice_payment_status') }} as int_invoice_payment_status
),

per_customer as (
    select
        invoice_status.customer_id,
        count(*) as invoices,
        sum(invoice_status.amount) as invoiced_amount,
        count(case when invoice_status.is_paid then 1 end) as invoices_paid,
        count(case when invoice_status.is_paid_late then 1 end) as invoices_paid_late,
        avg(invoice_status.days_late) as avg_days_late,
        max(invoice_status.days_late) as max_days_late,
        count(case when invoice_status.is_open then 1 end) as open_invoices,
        sum(invoice_status.open_amount) as open_amount,
        count(case when invoice_status.is_past_due then 1 end) as open_past_due_invoices,
        sum(
            case when invoice_status.is_past_due then invoice_status.open_amount else 0 end
        ) as open_past_due_amount,
        max(invoice_status.days_past_due) as max_days_past_due,
        sum(invoice_status.reminders_sent) as reminders_sent,
        count(case when invoice_status.paid_after_reminder then 1 end)
            as paid_after_reminder,
        -- trend windows, by the date an invoice was paid in full: the last window_days days
        -- up to the as-of date (days_since_paid 0 .. window_days - 1) and the window before
        count(
            case when invoice_status.days_since_paid < {{ window_days }} then 1 end
        ) as invoices_paid_last_window,
        avg(
            case
                when invoice_status.days_since_paid < {{ window_days }}
                    then invoice_status.days_late
            end
        ) as avg_days_late_last_window,
        count(
            case
                when
                    invoice_status.days_since_paid >= {{ window_days }}
                    and invoice_status.days_since_paid < {{ 2 * window_days }}
                    then 1
            end
        ) as invoices_paid_prior_window,
        avg(
            case
                when
                    invoice_status.days_since_paid >= {{ window_days }}
                    and invoice_status.days_since_paid < {{ 2 * window_days }}
                    then invoice_status.days_late
            end
        ) as avg_days_late_prior_window
    from invoice_status
    group by invoice_status.customer_id
),

categorised as (
    select
        per_customer.*,
        case
            when
                per_customer.invoices_paid_last_window < {{ min_trend_paid }}
                or per_customer.invoices_paid_prior_window < {{ min_trend_paid }}
                then 'insufficient_data'
            when
                per_customer.avg_days_late_last_window
                > per_customer.avg_days_late_prior_window + {{ trend_threshold }}
                then 'worsening'
            when
                per_customer.avg_days_late_last_window
                < per_customer.avg_days_late_prior_window - {{ trend_threshold }}
                then 'improving'
            else 'stable'
        end as days_late_trend,
        case
            when coalesce(per_customer.max_days_past_due, 0) > {{ severe_days }}
                then 'severely_overdue'
            when
                per_customer.invoices_paid >= {{ habitual_min_paid }}
                and 100.0 * per_customer.invoices_paid_late
                >= {{ habitual_late_pct }} * per_customer.invoices_paid
                then 'habitually_late'
            when per_customer.invoices_paid_late > 0 or per_customer.open_past_due_invoices > 0
                then 'occasionally_late'
            else 'on_time'
        end as payer_category
    from per_customer
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
        categorised.customer_id,
        {{ pulse_as_of_date() }} as as_of_date,
        {{ finance_reporting_currency() }} as reporting_currency,
        customers.company_name,
        coalesce(customers.segment, 'unknown') as segment,
        categorised.payer_category,
        cast(categorised.invoices as {{ dbt.type_int() }}) as invoices,
        cast(categorised.invoiced_amount as decimal(18, 4)) as invoiced_amount,
        cast(categorised.invoices_paid as {{ dbt.type_int() }}) as invoices_paid,
        cast(categorised.invoices_paid_late as {{ dbt.type_int() }}) as invoices_paid_late,
        cast(
            100.0 * (categorised.invoices_paid - categorised.invoices_paid_late)
            / nullif(categorised.invoices_paid, 0)
            as decimal(9, 2)
        ) as on_time_rate_pct,
        cast(categorised.avg_days_late as decimal(9, 2)) as avg_days_late,
        cast(categorised.max_days_late as {{ dbt.type_int() }}) as max_days_late,
        cast(categorised.open_invoices as {{ dbt.type_int() }}) as open_invoices,
        cast(categorised.open_amount as decimal(18, 4)) as open_amount,
        cast(categorised.open_past_due_invoices as {{ dbt.type_int() }})
            as open_past_due_invoices,
        cast(categorised.open_past_due_amount as decimal(18, 4)) as open_past_due_amount,
        cast(categorised.max_days_past_due as {{ dbt.type_int() }}) as max_days_past_due,
        cast(categorised.reminders_sent as {{ dbt.type_int() }}) as reminders_sent,
        cast(categorised.paid_after_reminder as {{ dbt.type_int() }}) as paid_after_reminder,
        cast({{ window_days }} as {{ dbt.type_int() }}) as trend_window_days,
        cast(categorised.invoices_paid_last_window as {{ dbt.type_int() }})
            as invoices_paid_last_window,
        cast(categorised.avg_days_late_last_window as decimal(9, 2)) as avg_days_late_last_window,
        cast(categorised.invoices_paid_prior_window as {{ dbt.type_int() }})
            as invoices_paid_prior_window,
        cast(categorised.avg_days_late_prior_window as decimal(9, 2)) as avg_days_late_prior_window,
        categorised.days_late_trend
    from categorised
    left join customers on categorised.customer_id = customers.customer_id
)

select * from final
