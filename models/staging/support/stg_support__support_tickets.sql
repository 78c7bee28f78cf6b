-- One row per support ticket: the latest version of each ticket_id.
-- Latest: the newest updated_at, else the file loaded last (macros/dedupe_latest.sql).
{{ config(contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(ticket_id) as ticket_id,
        trim(customer_id) as customer_id,
        created_at,
        resolved_at,
        lower(trim(category)) as category,
        lower(trim(priority)) as priority,
        nullif(lower(trim(channel)), '') as channel,
        updated_at,
        _file_id,
        _row_number
    from {{ source('support', 'support_tickets') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['ticket_id'], updated_at='updated_at') }}
),

final as (
    select
        deduped.ticket_id,
        deduped.customer_id,
        deduped.created_at,
        deduped.resolved_at,
        deduped.category,
        deduped.priority,
        deduped.channel,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
)

select * from final
