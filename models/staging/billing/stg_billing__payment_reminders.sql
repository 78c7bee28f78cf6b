-- One row per payment reminder: the latest exported version of each reminder_id.
{{ config(contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(reminder_id) as reminder_id,
        trim(invoice_id) as invoice_id,
        sent_at,
        _file_id,
        _row_number
    from {{ source('billing', 'payment_reminders') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['reminder_id']) }}
),

final as (
    select
        deduped.reminder_id,
        deduped.invoice_id,
        deduped.sent_at,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
)

select * from final
