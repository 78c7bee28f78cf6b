-- One row per payment: the latest version of each payment_id (base_billing__payments: the
-- newest updated_at, else the file loaded last).
-- amount stays in the invoice's currency (a payment carries none of its own): it is converted
-- in the intermediate layer, after the join to stg_billing__invoices. A payment of an invoice
-- held back for its unknown currency is held back with it (same reason, unknown_currency):
-- its amount is in that currency too, and it loads with its invoice once the rate is added.
-- A table, not a view: several models and many tests read it, each computing a view again.
{{ config(materialized='table', contract={'enforced': true}) }}

with

held_back_invoices as (
    select invoices.invoice_id
    from {{ ref('base_billing__invoices') }} as invoices
    where invoices.currency not in ({{ known_currencies() }})
),

payments as (
    select * from {{ ref('base_billing__payments') }}
    where invoice_id not in (select held_back_invoices.invoice_id from held_back_invoices)
),

final as (
    select
        payments.payment_id,
        payments.invoice_id,
        payments.paid_at,
        payments.amount,
        payments.source_file_id,
        payments.source_row_number
    from payments
)

select * from final
