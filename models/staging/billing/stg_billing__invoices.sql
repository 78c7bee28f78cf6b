-- One row per invoice: the latest version of each invoice_id (base_billing__invoices: the
-- newest updated_at, else the file loaded last), in a known currency: the reporting currency
-- or one of seeds/exchange_rates.csv. An invoice whose latest version is in another currency
-- is held back (int_held_back_rows, rpt_quarantine: unknown_currency) until its rate is added.
-- amount is converted to the reporting currency at the rate valid on issued_at.
-- A table, not a view: several models and many tests read it, each computing a view again.
{{ config(materialized='table', contract={'enforced': true}) }}

with

invoices as (
    select * from {{ ref('base_billing__invoices') }}
    where currency in ({{ known_currencies() }})
),

final as (
    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.issued_at,
        invoices.due_at,
        {{ convert_currency('invoices.amount_local', 'invoices.currency', 'invoices.issued_at') }}
            as amount,
        invoices.amount_local,
        invoices.currency,
        invoices.status,
        invoices.source_file_id,
        invoices.source_row_number
    from invoices
)

select * from final
