-- One row per customer: the latest version of each customer_id.
-- Latest: the newest updated_at, else the file loaded last (macros/dedupe_latest.sql).
{{ config(contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(customer_id) as customer_id,
        nullif(trim(company_name), '') as company_name,
        nullif(lower(trim(email)), '') as email,
        lower(trim(segment)) as segment,
        nullif(trim(region), '') as region,
        nullif(trim(country), '') as country,
        lower(trim(acquisition_channel)) as acquisition_channel,
        created_at,
        updated_at,
        _file_id,
        _row_number
    from {{ source('crm', 'customers') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['customer_id'], updated_at='updated_at') }}
),

final as (
    select
        deduped.customer_id,
        deduped.company_name,
        deduped.email,
        deduped.segment,
        deduped.region,
        deduped.country,
        deduped.acquisition_channel,
        deduped.created_at,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
)

select * from final
