-- One row per payment: the latest version of each payment_id.
-- Latest: the newest updated_at, else the file loaded last (macros/dedupe_latest.sql).
-- amount stays in the invoice's currency (a payment carries none of its own): it is converted
-- in the intermediate layer, after the join to stg_billing__invoices.
{{ config(contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(payment_id) as payment_id,
        trim(invoice_id) as invoice_id,
        paid_at,
        amount,
        updated_at,
        _file_id,
        _row_number
    from {{ source('billing', 'payments') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['payment_id'], updated_at='updated_at') }}
),

final as (
    select
        deduped.payment_id,
        deduped.invoice_id,
        deduped.paid_at,
        deduped.amount,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
)

select * from final
