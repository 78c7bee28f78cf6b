-- One row per spend_date, channel and campaign: the latest version of each key
-- (base_marketing__marketing_spend: the newest updated_at, else the file loaded last), in a
-- known currency: the reporting currency or one of seeds/exchange_rates.csv. Spend in another
-- currency is held back (int_held_back_rows, rpt_quarantine: unknown_currency) until its rate
-- is added.
-- amount is converted to the reporting currency at the rate valid on spend_date.
{{ config(contract={'enforced': true}) }}

with

spend as (
    select * from {{ ref('base_marketing__marketing_spend') }}
    where currency in ({{ known_currencies() }})
),

final as (
    select
        spend.spend_date,
        spend.channel,
        spend.campaign,
        {{ convert_currency('spend.amount_local', 'spend.currency', 'spend.spend_date') }}
            as amount,
        spend.amount_local,
        spend.currency,
        spend.source_file_id,
        spend.source_row_number
    from spend
)

select * from final
