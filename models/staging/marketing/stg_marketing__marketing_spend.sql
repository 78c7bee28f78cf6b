-- One row per spend_date, channel and campaign: the latest version of each key.
-- Latest: the newest updated_at, else the file loaded last (macros/dedupe_latest.sql).
-- An empty campaign becomes '' (never null) so that the key is a plain three-column key.
-- amount is converted to the reporting currency at the rate valid on spend_date.
{{ config(contract={'enforced': true}) }}

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
        _row_number
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
        {{ convert_currency('deduped.amount_local', 'deduped.currency', 'deduped.spend_date') }}
            as amount,
        deduped.amount_local,
        deduped.currency,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
)

select * from final
