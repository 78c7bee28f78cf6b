-- One row per usage event: the latest exported version of each event_id.
{{ config(contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(event_id) as event_id,
        trim(customer_id) as customer_id,
        nullif(trim(user_id), '') as user_id,
        lower(trim(event_type)) as event_type,
        nullif(trim(feature), '') as feature,
        occurred_at,
        _file_id,
        _row_number
    from {{ source('product', 'usage_events') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['event_id']) }}
),

final as (
    select
        deduped.event_id,
        deduped.customer_id,
        deduped.user_id,
        deduped.event_type,
        deduped.feature,
        deduped.occurred_at,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
)

select * from final
