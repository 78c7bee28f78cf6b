-- One row per support ticket created on or before the as-of date, with its health weight:
-- var('health_support_priority_weights')[priority] x var('health_support_category_weights')
-- [category] (1 for a value not listed), so that urgent, outage and bug tickets weigh more.
-- Compact input of the support component (resolution time is computed per scored day: a
-- ticket not resolved by the end of that day counts the hours it has been open so far).
{{ config(materialized='table') }}

with

tickets as (
    select
        ticket_id,
        customer_id,
        created_at,
        resolved_at,
        category,
        priority
    from {{ ref('stg_support__support_tickets') }}
    where
        customer_id is not null
        and cast(created_at as date) <= {{ pulse_as_of_date() }}
),

final as (
    select
        ticket_id,
        customer_id,
        created_at,
        cast(created_at as date) as created_date,
        resolved_at,
        category,
        priority,
        cast({{ health_ticket_weight('priority', 'category') }} as {{ pulse_type_double() }})
            as ticket_weight
    from tickets
)

select * from final
