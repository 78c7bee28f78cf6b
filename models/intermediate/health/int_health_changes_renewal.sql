-- The renewal signal's reference MRR as changes (see int_health_changes_product): every MRR
-- change of int_health_mrr_steps shifted var('health_renewal_window_days') days later, so the
-- running total on a day is the MRR that many days before it. Never expires.
{%- set renewal_days = var('health_renewal_window_days') | int %}

select
    customer_id,
    cast({{ dbt.dateadd('day', renewal_days, 'change_day') }} as date) as change_day,
    cast('9999-12-31' as date) as expires_day,
    mrr_change as reference_mrr
from {{ ref('int_health_mrr_steps') }}
