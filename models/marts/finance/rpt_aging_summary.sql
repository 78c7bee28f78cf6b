-- Receivables by aging bucket and customer segment as of the as-of date. Every bucket of the
-- aging_buckets seed crossed with every segment that has invoices, so a BI chart keeps a
-- stable grid: a combination with nothing open is a row with 0 invoices and 0 open amount.
with

buckets as (
    select
        aging_buckets.bucket,
        aging_buckets.bucket_order,
        aging_buckets.min_days_past_due
    from {{ ref('aging_buckets') }} as aging_buckets
),

segments as (
    select distinct coalesce(int_customers.segment, 'unknown') as segment
    from {{ ref('int_invoice_payment_status') }} as invoice_status
    left join {{ ref('int_customers') }} as int_customers
        on invoice_status.customer_id = int_customers.customer_id
),

aging as (
    select
        rpt_invoice_aging.aging_bucket,
        rpt_invoice_aging.segment,
        count(*) as invoices,
        sum(rpt_invoice_aging.open_amount) as open_amount
    from {{ ref('rpt_invoice_aging') }} as rpt_invoice_aging
    group by rpt_invoice_aging.aging_bucket, rpt_invoice_aging.segment
),

grid as (
    select
        buckets.bucket as aging_bucket,
        buckets.bucket_order,
        buckets.min_days_past_due > 0 as is_past_due,
        segments.segment,
        coalesce(aging.invoices, 0) as invoices,
        cast(coalesce(aging.open_amount, 0) as decimal(18, 4)) as open_amount
    from buckets
    cross join segments
    left join aging
        on
            buckets.bucket = aging.aging_bucket
            and segments.segment = aging.segment
),

final as (
    select
        grid.aging_bucket,
        grid.segment,
        {{ pulse_as_of_date() }} as as_of_date,
        {{ finance_reporting_currency() }} as reporting_currency,
        grid.bucket_order,
        grid.is_past_due,
        cast(grid.invoices as {{ dbt.type_int() }}) as invoices,
        grid.open_amount,
        cast(
            100.0 * grid.open_amount / nullif(sum(grid.open_amount) over (), 0)
            as decimal(9, 2)
        ) as share_of_receivables_pct
    from grid
)

select * from final
