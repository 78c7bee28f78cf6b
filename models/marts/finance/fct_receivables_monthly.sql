-- Receivables by calendar month, as of the as-of date: what was invoiced and collected in the
-- month, what was open and overdue at its end, and days sales outstanding (DSO).
-- The as-of month is "so far": its balance date is the as-of date and its period the days
-- from the 1st to the as-of date.
--   dso_days          = receivables at the balance date / invoiced in the period
--                       * days in the period (null when nothing was invoiced);
--   dso_trailing_days = receivables at the balance date / invoiced in the
--                       finance_dso_trailing_days days ending on the balance date
--                       * finance_dso_trailing_days (null when nothing was invoiced then).
{%- set trailing_days = var('finance_dso_trailing_days') | int %}
with

months as (
    select * from {{ ref('int_finance_months') }}
),

invoices as (
    select
        invoice_status.invoice_id,
        invoice_status.issued_at,
        invoice_status.amount
    from {{ ref('int_invoice_payment_status') }} as invoice_status
),

invoiced as (
    select
        months.month_start,
        count(*) as invoices_issued,
        sum(invoices.amount) as invoiced_amount
    from months
    inner join invoices
        on
            months.month_start <= invoices.issued_at
            and months.balance_date >= invoices.issued_at
    group by months.month_start
),

invoiced_trailing as (
    select
        months.month_start,
        sum(invoices.amount) as invoiced_amount_trailing
    from months
    inner join invoices
        on
            months.balance_date >= invoices.issued_at
            and cast(
                {{ dbt.dateadd('day', -trailing_days, 'months.balance_date') }} as date
            ) < invoices.issued_at
    group by months.month_start
),

collected as (
    select
        {{ pulse_month('payments.paid_at') }} as month_start,
        count(*) as payments_received,
        sum(payments.amount) as collected_amount
    from {{ ref('int_payments_converted') }} as payments
    group by {{ pulse_month('payments.paid_at') }}
),

balances as (
    select
        month_end_balances.month_start,
        count(*) as open_invoices_at_month_end,
        sum(month_end_balances.open_amount) as receivables_at_month_end,
        count(case when month_end_balances.is_past_due then 1 end)
            as overdue_invoices_at_month_end,
        sum(
            case when month_end_balances.is_past_due then month_end_balances.open_amount else 0 end
        ) as overdue_at_month_end
    from {{ ref('int_invoice_month_end_balances') }} as month_end_balances
    group by month_end_balances.month_start
),

joined as (
    select
        months.month_start,
        months.month_end,
        months.balance_date,
        months.is_complete_month,
        months.balance_date = {{ pulse_as_of_date() }} as is_as_of_month,
        months.days_in_period,
        coalesce(invoiced.invoices_issued, 0) as invoices_issued,
        coalesce(invoiced.invoiced_amount, 0) as invoiced_amount,
        coalesce(collected.payments_received, 0) as payments_received,
        coalesce(collected.collected_amount, 0) as collected_amount,
        coalesce(balances.open_invoices_at_month_end, 0) as open_invoices_at_month_end,
        coalesce(balances.receivables_at_month_end, 0) as receivables_at_month_end,
        coalesce(balances.overdue_invoices_at_month_end, 0) as overdue_invoices_at_month_end,
        coalesce(balances.overdue_at_month_end, 0) as overdue_at_month_end,
        coalesce(invoiced_trailing.invoiced_amount_trailing, 0) as invoiced_amount_trailing
    from months
    left join invoiced on months.month_start = invoiced.month_start
    left join invoiced_trailing on months.month_start = invoiced_trailing.month_start
    left join collected on months.month_start = collected.month_start
    left join balances on months.month_start = balances.month_start
),

final as (
    select
        joined.month_start,
        joined.month_end,
        joined.balance_date,
        joined.is_complete_month,
        joined.is_as_of_month,
        {{ finance_reporting_currency() }} as reporting_currency,
        cast(joined.days_in_period as {{ dbt.type_int() }}) as days_in_period,
        cast(joined.invoices_issued as {{ dbt.type_int() }}) as invoices_issued,
        cast(joined.invoiced_amount as decimal(18, 4)) as invoiced_amount,
        cast(joined.payments_received as {{ dbt.type_int() }}) as payments_received,
        cast(joined.collected_amount as decimal(18, 4)) as collected_amount,
        cast(joined.open_invoices_at_month_end as {{ dbt.type_int() }})
            as open_invoices_at_month_end,
        cast(joined.receivables_at_month_end as decimal(18, 4)) as receivables_at_month_end,
        cast(joined.overdue_invoices_at_month_end as {{ dbt.type_int() }})
            as overdue_invoices_at_month_end,
        cast(joined.overdue_at_month_end as decimal(18, 4)) as overdue_at_month_end,
        cast(
            joined.receivables_at_month_end * joined.days_in_period
            / nullif(joined.invoiced_amount, 0)
            as decimal(18, 2)
        ) as dso_days,
        cast({{ trailing_days }} as {{ dbt.type_int() }}) as dso_trailing_window_days,
        cast(joined.invoiced_amount_trailing as decimal(18, 4)) as invoiced_amount_trailing,
        cast(
            joined.receivables_at_month_end * {{ trailing_days }}
            / nullif(joined.invoiced_amount_trailing, 0)
            as decimal(18, 2)
        ) as dso_trailing_days
    from joined
)

select * from final
