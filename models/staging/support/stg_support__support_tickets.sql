-- One row per support ticket: the latest version of each ticket_id.
-- Latest: the newest updated_at, else the file loaded last (macros/dedupe_latest.sql).
-- customer_id: a profiled row's account key resolved to the CRM customer
-- (base_identity__resolution, docs/profiles.md "One customer across systems"); a row of a
-- contract landing file keeps its own.
{{ config(contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(ticket_id) as ticket_id,
        trim(customer_id) as customer_id,
        {{ pulse_identity_attribute('_extra', 'profile') }} as identity_system,
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
        coalesce(resolved.customer_id, deduped.customer_id) as customer_id,
        deduped.created_at,
        deduped.resolved_at,
        deduped.category,
        deduped.priority,
        deduped.channel,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
    left join {{ ref('base_identity__resolution') }} as resolved
        on
            deduped.identity_system = resolved.source_system
            and deduped.customer_id = resolved.external_id
)

select * from final
