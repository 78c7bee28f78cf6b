-- The finance month spine: one row per calendar month from the month of the first invoice
-- that exists as of the as-of date up to the as-of date's month. The balance date of a month
-- is its last day, or the as-of date for the (incomplete) as-of month: month-end figures of
-- the current month are "so far".
with

bounds as (
    select
        cast({{ dbt.date_trunc('month', 'min(stg_invoices.issued_at)') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', pulse_as_of_date()) }} as date) as last_month
    from {{ ref('stg_billing__invoices') }} as stg_invoices
    where {{ finance_invoice_exists('stg_invoices') }}
),

months as (
    select spine.month as month_start
    from (
        {{ pulse_month_spine(
            '(select bounds.first_month from bounds)',
            '(select bounds.last_month from bounds)'
        ) }}
    ) as spine
),

month_ends as (
    select
        months.month_start,
        {{ dbt.last_day('months.month_start', 'month') }} as month_end
    from months
),

final as (
    select
        month_ends.month_start,
        month_ends.month_end,
        case
            when month_ends.month_end > {{ pulse_as_of_date() }} then {{ pulse_as_of_date() }}
            else month_ends.month_end
        end as balance_date,
        month_ends.month_end <= {{ pulse_as_of_date() }} as is_complete_month
    from month_ends
)

select
    final.month_start,
    final.month_end,
    final.balance_date,
    final.is_complete_month,
    {{ finance_days_between('final.month_start', 'final.balance_date') }} + 1 as days_in_period
from final
