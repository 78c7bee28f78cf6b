-- The call list (rpt_customers_needing_attention) against its sources: every customer
-- dim_customer_health says needs attention today is listed (an episode of the rule it breaks
-- is open: the hold condition is looser than the opening one); every listed customer has an
-- open episode; and the rows new today (an episode opened on the as-of date) rank before
-- every other row. Returns the offending customers.
-- In Dagster, the check of the model it guards (a test reading several models names its own).
{{ config(meta={"dagster": {"ref": {"name": "rpt_customers_needing_attention"}}}) }}
with

listed as (
    select
        customer_id,
        attention_rank,
        is_new_today
    from {{ ref('rpt_customers_needing_attention') }}
),

needing as (
    select customer_id
    from {{ ref('dim_customer_health') }}
    where needs_attention
),

open_episodes as (
    select distinct customer_id
    from {{ ref('fct_health_alert_episodes') }}
    where is_open
),

last_new as (
    select max(attention_rank) as last_new_rank
    from listed
    where is_new_today
)

select
    needing.customer_id,
    'needs attention but not listed' as problem
from needing
left join listed on needing.customer_id = listed.customer_id
where listed.customer_id is null

union all

select
    listed.customer_id,
    'listed without an open episode' as problem
from listed
left join open_episodes on listed.customer_id = open_episodes.customer_id
where open_episodes.customer_id is null

union all

select
    listed.customer_id,
    'not new today but ranked before a new row' as problem
from listed
cross join last_new
where not listed.is_new_today and listed.attention_rank < last_new.last_new_rank
