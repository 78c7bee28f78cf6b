-- One row per payment_id: its latest version (the newest updated_at, else the file loaded
-- last; macros/dedupe_latest.sql), cleaned, whatever its invoice. stg_billing__payments
-- keeps the payments of invoices that are not held back; int_held_back_rows lists the others.
with

cleaned as (
    select
        trim(payment_id) as payment_id,
        trim(invoice_id) as invoice_id,
        paid_at,
        amount,
        updated_at,
        _file_id,
        _row_number,
        _loaded_at
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
        deduped._row_number as source_row_number,
        deduped._loaded_at as source_loaded_at
    from deduped
)

select * from final
