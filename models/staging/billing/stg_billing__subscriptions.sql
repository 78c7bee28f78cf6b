-- One row per subscription: the latest version of each subscription_id.
-- Latest: the newest updated_at, else the file loaded last (macros/dedupe_latest.sql).
-- mrr is converted to the reporting currency at the rate valid on started_at.
{{ config(contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(subscription_id) as subscription_id,
        trim(customer_id) as customer_id,
        nullif(trim(plan), '') as plan,
        mrr as mrr_local,
        {{ clean_currency('currency') }} as currency,
        started_at,
        ended_at,
        updated_at,
        _file_id,
        _row_number
    from {{ source('billing', 'subscriptions') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['subscription_id'], updated_at='updated_at') }}
),

final as (
    select
        deduped.subscription_id,
        deduped.customer_id,
        deduped.plan,
        {{ convert_currency('deduped.mrr_local', 'deduped.currency', 'deduped.started_at') }}
            as mrr,
        deduped.mrr_local,
        deduped.currency,
        deduped.started_at,
        deduped.ended_at,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
)

select * from final
