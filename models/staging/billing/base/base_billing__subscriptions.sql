-- One row per subscription_id: its latest version (the newest updated_at, else the file
-- loaded last; macros/dedupe_latest.sql), cleaned, in ANY currency. stg_billing__subscriptions
-- keeps the versions in a known currency; int_held_back_rows lists the others.
-- customer_id: a profiled row's account key resolved to the CRM customer
-- (base_identity__resolution, docs/profiles.md "One customer across systems"); a row of a
-- contract landing file keeps its own.
with

cleaned as (
    select
        trim(subscription_id) as subscription_id,
        trim(customer_id) as customer_id,
        {{ pulse_identity_attribute('_extra', 'profile') }} as identity_system,
        nullif(trim(plan), '') as plan,
        mrr as mrr_local,
        {{ clean_currency('currency') }} as currency,
        started_at,
        ended_at,
        renews_at,
        lower(nullif(trim(billing_interval), '')) as billing_interval,
        updated_at,
        _file_id,
        _row_number,
        _loaded_at
    from {{ source('billing', 'subscriptions') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['subscription_id'], updated_at='updated_at') }}
),

final as (
    select
        deduped.subscription_id,
        coalesce(resolved.customer_id, deduped.customer_id) as customer_id,
        deduped.plan,
        deduped.mrr_local,
        deduped.currency,
        deduped.started_at,
        deduped.ended_at,
        deduped.renews_at,
        deduped.billing_interval,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number,
        deduped._loaded_at as source_loaded_at
    from deduped
    left join {{ ref('base_identity__resolution') }} as resolved
        on
            deduped.identity_system = resolved.source_system
            and deduped.customer_id = resolved.external_id
)

select * from final
