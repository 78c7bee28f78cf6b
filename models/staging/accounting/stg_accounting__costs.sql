-- One row per month, account and department: the latest version of each key
-- (base_accounting__costs: month normalised to its first day, the newest updated_at, else the
-- file loaded last), in a known currency: the reporting currency or one of
-- seeds/exchange_rates.csv. Costs in another currency are held back (int_held_back_rows,
-- rpt_quarantine: unknown_currency) until the rate is added.
-- amount is converted to the reporting currency at the rate valid on the month's first day;
-- it may be negative (a ledger credit).
{{ config(contract={'enforced': true}) }}

with

costs as (
    select * from {{ ref('base_accounting__costs') }}
    where currency in ({{ known_currencies() }})
),

final as (
    select
        costs.month,
        costs.account,
        costs.department,
        costs.cost_category,
        {{ convert_currency('costs.amount_local', 'costs.currency', 'costs.month') }} as amount,
        costs.amount_local,
        costs.currency,
        costs.source_file_id,
        costs.source_row_number
    from costs
)

select * from final
