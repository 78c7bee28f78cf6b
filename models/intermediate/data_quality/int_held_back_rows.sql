-- One row per loaded row that staging holds back, with the reason, in the quarantine's shape
-- (rpt_quarantine unions it). Decided at build time from raw and the seeds, so a row held back
-- leaves this list, and enters staging, on the first build after its cause is fixed; nothing
-- has to be delivered again.
-- unknown_currency: the latest version of an invoice, subscription, marketing spend or cost
-- row is in a currency that is neither the reporting currency nor in
-- seeds/exchange_rates.csv (it cannot be converted); a payment is held back with its invoice
-- (it is in that currency).
-- quarantined_at is when the row was loaded: it has been held back since.
-- A table (small: only the rows held back), rebuilt by every build: its tests, the two
-- reports and the accounting test would each re-run the five de-duplications as a view.
{{ config(materialized='table') }}

with

known as (
    {{ known_currencies() }}
),

held_back_invoices as (
    select
        'invoices' as source_name,
        invoices.source_file_id as file_id,
        invoices.source_row_number as row_number,
        invoices.invoice_id as primary_key,
        invoices.currency,
        invoices.source_loaded_at as quarantined_at
    from {{ ref('base_billing__invoices') }} as invoices
    where invoices.currency not in (select known.currency from known)
),

held_back_payments as (
    select
        'payments' as source_name,
        payments.source_file_id as file_id,
        payments.source_row_number as row_number,
        payments.payment_id as primary_key,
        held_back_invoices.currency,
        payments.source_loaded_at as quarantined_at
    from {{ ref('base_billing__payments') }} as payments
    inner join held_back_invoices on payments.invoice_id = held_back_invoices.primary_key
),

held_back_subscriptions as (
    select
        'subscriptions' as source_name,
        subscriptions.source_file_id as file_id,
        subscriptions.source_row_number as row_number,
        subscriptions.subscription_id as primary_key,
        subscriptions.currency,
        subscriptions.source_loaded_at as quarantined_at
    from {{ ref('base_billing__subscriptions') }} as subscriptions
    where subscriptions.currency not in (select known.currency from known)
),

held_back_spend as (
    select
        'marketing_spend' as source_name,
        spend.source_file_id as file_id,
        spend.source_row_number as row_number,
        -- the quarantine's spelling of a composite key: its parts joined with '|'
        {{ dbt.concat([
            'cast(spend.spend_date as ' ~ dbt.type_string() ~ ')',
            "'|'", 'spend.channel', "'|'", 'spend.campaign'
        ]) }} as primary_key,
        spend.currency,
        spend.source_loaded_at as quarantined_at
    from {{ ref('base_marketing__marketing_spend') }} as spend
    where spend.currency not in (select known.currency from known)
),

held_back_costs as (
    select
        'costs' as source_name,
        cost_rows.source_file_id as file_id,
        cost_rows.source_row_number as row_number,
        {{ dbt.concat([
            'cast(cost_rows.month as ' ~ dbt.type_string() ~ ')',
            "'|'", 'cost_rows.account', "'|'", 'cost_rows.department'
        ]) }} as primary_key,
        cost_rows.currency,
        cost_rows.source_loaded_at as quarantined_at
    from {{ ref('base_accounting__costs') }} as cost_rows
    where cost_rows.currency not in (select known.currency from known)
),

held_back as (
    select * from held_back_invoices
    union all
    select * from held_back_payments
    union all
    select * from held_back_subscriptions
    union all
    select * from held_back_spend
    union all
    select * from held_back_costs
),

final as (
    select
        held_back.source_name,
        held_back.file_id,
        ledger.file_path,
        held_back.row_number,
        held_back.primary_key,
        'unknown_currency' as reason_code,
        'unknown_currency' as reasons,
        held_back.currency,
        held_back.quarantined_at
    from held_back
    left join {{ ref('stg_pulse_meta__load_ledger') }} as ledger
        on held_back.file_id = ledger.file_id
)

select * from final
