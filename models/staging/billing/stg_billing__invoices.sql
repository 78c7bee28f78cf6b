-- One row per invoice: the latest version of each invoice_id.
-- Latest: the newest updated_at, else the file loaded last (macros/dedupe_latest.sql).
-- amount is converted to the reporting currency at the rate valid on issued_at.
{{ config(contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(invoice_id) as invoice_id,
        trim(customer_id) as customer_id,
        issued_at,
        due_at,
        amount as amount_local,
        {{ clean_currency('currency') }} as currency,
        nullif(lower(trim(status)), '') as status,
        updated_at,
        _file_id,
        _row_number
    from {{ source('billing', 'invoices') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['invoice_id'], updated_at='updated_at') }}
),

final as (
    select
        deduped.invoice_id,
        deduped.customer_id,
        deduped.issued_at,
        deduped.due_at,
        {{ convert_currency('deduped.amount_local', 'deduped.currency', 'deduped.issued_at') }}
            as amount,
        deduped.amount_local,
        deduped.currency,
        deduped.status,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
)

select * from final
