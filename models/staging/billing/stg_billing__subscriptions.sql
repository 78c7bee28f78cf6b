-- One row per subscription: the latest version of each subscription_id
-- (base_billing__subscriptions: the newest updated_at, else the file loaded last), in a known
-- currency: the reporting currency or one of seeds/exchange_rates.csv. A subscription whose
-- latest version is in another currency is held back (int_held_back_rows, rpt_quarantine:
-- unknown_currency) until its rate is added.
-- mrr is converted to the reporting currency at the rate valid on started_at.
{{ config(contract={'enforced': true}) }}

with

subscriptions as (
    select * from {{ ref('base_billing__subscriptions') }}
    where currency in ({{ known_currencies() }})
),

final as (
    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.plan,
        {{ convert_currency(
            'subscriptions.mrr_local', 'subscriptions.currency', 'subscriptions.started_at'
        ) }} as mrr,
        subscriptions.mrr_local,
        subscriptions.currency,
        subscriptions.started_at,
        subscriptions.ended_at,
        subscriptions.renews_at,
        subscriptions.billing_interval,
        subscriptions.source_file_id,
        subscriptions.source_row_number
    from subscriptions
)

select * from final
