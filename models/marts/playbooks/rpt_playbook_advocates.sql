-- Whom to ask for a reference or a review: the customers of dim_customer_health that are
-- healthy on the as-of date, whose latest scorable NPS answer (int_survey_responses_scored:
-- 0..10 scale) is a promoter (9-10) given within var('playbook_advocate_nps_lookback_days'),
-- and that use the product: at least var('playbook_advocate_min_active_days') active days in
-- the usage window and no inactivity deduction (last activity within
-- var('health_inactivity_grace_days')), both as the health signals define them
-- (int_health_signals_daily). company_name is the one identifying attribute carried.
{%- set lookback_days = var('playbook_advocate_nps_lookback_days') | int %}
{%- set min_active_days = var('playbook_advocate_min_active_days') | int %}
{%- set grace_days = var('health_inactivity_grace_days') | int %}
with

healthy as (
    select
        customer_id,
        as_of_date,
        segment,
        health_score,
        current_mrr
    from {{ ref('dim_customer_health') }}
    where health_category = 'healthy'
),

nps_ranked as (
    -- the latest scorable NPS answer of each customer (ties: the highest response_id)
    select
        customer_id,
        response_id,
        score,
        nps_category,
        cast(responded_at as date) as responded_date,
        row_number() over (
            partition by customer_id order by responded_at desc, response_id desc
        ) as answer_rank
    from {{ ref('int_survey_responses_scored') }}
    where survey_type = 'nps' and is_scorable
),

latest_promoters as (
    select
        customer_id,
        score as nps_score,
        responded_date as nps_responded_date
    from nps_ranked
    where
        answer_rank = 1
        and nps_category = 'promoter'
        and responded_date
        > {{ dbt.dateadd('day', -lookback_days, pulse_as_of_date()) }}
),

usage_today as (
    select
        customer_id,
        usage_active_days,
        usage_days_inactive
    from {{ ref('int_health_signals_daily') }}
    where as_of_date = {{ pulse_as_of_date() }}
),

customers as (
    select
        customer_id,
        company_name
    from {{ ref('int_customers') }}
),

advocates as (
    select
        healthy.*,
        customers.company_name,
        latest_promoters.nps_score,
        latest_promoters.nps_responded_date,
        usage_today.usage_active_days,
        usage_today.usage_days_inactive
    from healthy
    inner join latest_promoters on healthy.customer_id = latest_promoters.customer_id
    inner join usage_today on healthy.customer_id = usage_today.customer_id
    left join customers on healthy.customer_id = customers.customer_id
    where
        usage_today.usage_active_days >= {{ min_active_days }}
        and usage_today.usage_days_inactive <= {{ grace_days }}
),

final as (
    select
        cast(row_number() over (
            order by current_mrr desc, health_score desc, customer_id asc
        ) as {{ dbt.type_int() }}) as advocate_rank,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(company_name as {{ dbt.type_string() }}) as company_name,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(as_of_date as date) as as_of_date,
        cast(health_score as {{ pulse_type_double() }}) as health_score,
        cast(current_mrr as decimal(18, 4)) as current_mrr,
        cast(nps_score as {{ dbt.type_int() }}) as nps_score,
        cast(nps_responded_date as date) as nps_responded_date,
        cast(usage_active_days as {{ dbt.type_int() }}) as usage_active_days,
        cast(usage_days_inactive as {{ dbt.type_int() }}) as usage_days_inactive,
        cast({{ dbt.concat([
            "'promoter (NPS '",
            "cast(nps_score as " ~ dbt.type_string() ~ ")",
            "' on '",
            "cast(nps_responded_date as " ~ dbt.type_string() ~ ")",
            "'); healthy (score '",
            pulse_number_text('health_score', 1),
            "'); active '",
            "cast(cast(usage_active_days as " ~ dbt.type_int() ~ ") as "
                ~ dbt.type_string() ~ ")",
            "' of the last " ~ var('health_usage_window_days') ~ " days'",
        ]) }} as {{ dbt.type_string() }}) as reason
    from advocates
)

select * from final
