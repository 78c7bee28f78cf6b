-- One row per customer with a paid invoice issued on or before the as-of date: paid
-- invoices and their total, in the reporting currency (stg_billing__invoices.amount,
-- converted at the rate of the issue date). Status is the invoice's latest exported status.
with

paid_invoices as (
    select
        customer_id,
        amount
    from {{ ref('stg_billing__invoices') }}
    where
        status = 'paid'
        and issued_at <= {{ pulse_as_of_date() }}
),

final as (
    select
        customer_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as paid_invoices,
        cast(sum(amount) as decimal(18, 4)) as historical_revenue
    from paid_invoices
    group by customer_id
)

select * from final
