-- Nothing lost at the mart level (finance): every non-void invoice that is open on the as-of
-- date, recomputed here from staging and payments as of that date, has exactly one row in
-- rpt_invoice_aging, and the aging report holds no other invoice. Returns the mismatches.
-- In Dagster, the check of the model it guards (a test reading several models names its own).
{{ config(meta={"dagster": {"ref": {"name": "rpt_invoice_aging"}}}) }}
with

invoices as (
    select
        invoice_id,
        amount_local
    from {{ ref('stg_billing__invoices') }}
    where
        coalesce(status, '') <> 'void'
        and issued_at <= {{ pulse_as_of_date() }}
),

paid as (
    select
        invoice_id,
        sum(amount) as paid_local
    from {{ ref('stg_billing__payments') }}
    where paid_at <= {{ pulse_as_of_date() }}
    group by invoice_id
),

expected_open as (
    select invoices.invoice_id
    from invoices
    left join paid on invoices.invoice_id = paid.invoice_id
    where coalesce(paid.paid_local, 0) < invoices.amount_local
),

aging as (
    select
        invoice_id,
        count(*) as aging_rows
    from {{ ref('rpt_invoice_aging') }}
    group by invoice_id
)

select
    coalesce(expected_open.invoice_id, aging.invoice_id) as invoice_id,
    expected_open.invoice_id is not null as is_expected_open,
    coalesce(aging.aging_rows, 0) as aging_rows
from expected_open
full outer join aging on expected_open.invoice_id = aging.invoice_id
where expected_open.invoice_id is null or coalesce(aging.aging_rows, 0) <> 1
