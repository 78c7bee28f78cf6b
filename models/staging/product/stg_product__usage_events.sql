-- One row per usage event: the latest exported version of each event_id.
-- The one staging model that is a table, and incremental: usage events are the largest source
-- by far, and a view would re-run the de-duplication over every event for each of its tests
-- and readers. Raw tables are append-only and a later file has a larger _file_id, so a run
-- only de-duplicates the rows of files loaded since the last run and replaces those keys
-- (latest file wins, as in the view). Engines without delete+insert on plain tables (Spark
-- with Parquet) rebuild it as a table.
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='delete+insert',
    unique_key='event_id',
    on_schema_change='fail',
    contract={'enforced': true}
) }}

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
    {%- if is_incremental() %}
        where _file_id > (select coalesce(max(held.source_file_id), -1) from {{ this }} as held)
    {%- endif %}
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
