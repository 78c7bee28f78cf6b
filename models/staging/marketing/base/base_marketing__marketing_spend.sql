-- One row per spend_date, channel and campaign: the key's latest version (the newest
-- updated_at, else the file loaded last; macros/dedupe_latest.sql), cleaned, in ANY currency.
-- An empty campaign becomes '' (never null) so that the key is a plain three-column key.
-- stg_marketing__marketing_spend keeps the versions in a known currency; int_held_back_rows
-- lists the others.
with

cleaned as (
    select
        spend_date,
        lower(trim(channel)) as channel,
        coalesce(trim(campaign), '') as campaign,
        amount as amount_local,
        {{ clean_currency('currency') }} as currency,
        updated_at,
        _file_id,
        _row_number,
        _loaded_at
    from {{ source('marketing', 'marketing_spend') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['spend_date', 'channel', 'campaign'], updated_at='updated_at') }}
),

final as (
    select
        deduped.spend_date,
        deduped.channel,
        deduped.campaign,
        deduped.amount_local,
        deduped.currency,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number,
        deduped._loaded_at as source_loaded_at
    from deduped
)

select * from final
