-- Who customer success should call today, and why: the customers active on the as-of date
-- (dim_customer_health) with an open alert episode (fct_health_alert_episodes: below the
-- floor, a 30-day drop, unhealthy, an invoice severely overdue; hysteresis keeps a customer
-- hovering around a threshold on the list instead of on and off it). What is new today comes
-- first (an episode opened on the as-of date), then the rest by MRR at risk, then the lowest
-- score; with the reason in words and the owner (the CSM the alerts go to). company_name and
-- owner (a work e-mail address that routes the call) are the identifying attributes carried
-- (CS must know whom to call, and who calls); no customer e-mail or other contact data.
with

customers as (
    select
        customer_id,
        company_name,
        owner  -- noqa: RF04
    from {{ ref('int_customers') }}
),

open_episodes as (
    select
        customer_id,
        rule as rule_name,
        opened_on,
        opened_on = as_of_date as is_new_today,
        case rule
            when 'turned_unhealthy' then 1
            when 'below_floor' then 2
            when 'score_drop' then 3
            else 4
        end as rule_order
    from {{ ref('fct_health_alert_episodes') }}
    where is_open
),

episode_summary as (
    select
        customer_id,
        min(opened_on) as opened_on,
        max(case when is_new_today then 1 else 0 end) = 1 as is_new_today,
        max(case when rule_name = 'below_floor' then 1 else 0 end) = 1 as has_open_below_floor,
        max(case when rule_name = 'score_drop' then 1 else 0 end) = 1 as has_open_score_drop,
        max(case when rule_name = 'invoice_overdue' then 1 else 0 end) = 1
            as has_open_invoice_overdue,
        {{ pulse_listagg('rule_name', ', ', ['rule_order']) }} as open_rules
    from open_episodes
    group by customer_id
),

flagged as (
    select
        health.*,
        customers.company_name,
        customers.owner,
        episode_summary.opened_on,
        episode_summary.is_new_today,
        episode_summary.open_rules,
        episode_summary.has_open_below_floor,
        episode_summary.has_open_score_drop,
        episode_summary.has_open_invoice_overdue,
        health.health_category = 'unhealthy' as is_unhealthy,
        {{ health_dropped('health.score_change_30d') }} as has_dropped,
        {{ health_below_floor('health.health_score') }} as is_below_floor
    from {{ ref('dim_customer_health') }} as health
    inner join episode_summary on health.customer_id = episode_summary.customer_id
    left join customers on health.customer_id = customers.customer_id
),

worded as (
    select
        flagged.*,
        {#- rounded half away from zero, printed without trailing noise -#}
        {%- set score_text = pulse_number_text('flagged.health_score', 1) %}
        {%- set drop_text = pulse_number_text('-flagged.score_change_30d', 0) %}
        {%- set floor_text = var('health_attention_floor_score') | string %}
        {%- set recovered_at = '%g' | format(var('health_attention_floor_score')
            + var('health_alert_hysteresis_points')) %}
        {%- set drop_limit = var('health_attention_drop_points') | string %}
        -- the applicable parts, each followed by '; ' (the last one trimmed below); "still"
        -- parts: an episode kept open by the hysteresis after today's value recovered past
        -- the opening threshold
        {{ dbt.concat([
            "case when flagged.is_unhealthy then 'unhealthy (score ' || " ~ score_text
                ~ " || '); ' else '' end",
            "case when flagged.is_below_floor and flagged.is_unhealthy then 'below floor "
                ~ (var('health_attention_floor_score') | string) ~ "; '"
                ~ " when flagged.is_below_floor then 'below floor "
                ~ (var('health_attention_floor_score') | string) ~ " (score ' || " ~ score_text
                ~ " || '); ' else '' end",
            "case when flagged.has_dropped then 'dropped ' || " ~ drop_text
                ~ " || ' points in 30 days' || case when flagged.is_unhealthy"
                ~ " or flagged.is_below_floor then '' else ' (score ' || " ~ score_text
                ~ " || ')' end || '; ' else '' end",
            "case when flagged.has_open_below_floor and not flagged.is_below_floor"
                ~ " then 'still under " ~ recovered_at ~ " since falling below floor "
                ~ floor_text ~ "' || case when flagged.is_unhealthy or flagged.has_dropped"
                ~ " then '' else ' (score ' || " ~ score_text ~ " || ')' end || '; ' else '' end",
            "case when flagged.has_open_score_drop and not flagged.has_dropped"
                ~ " then 'still down ' || " ~ drop_text ~ " || ' points in 30 days since a drop"
                ~ " of more than " ~ drop_limit ~ "; ' else '' end",
            "case when flagged.has_open_invoice_overdue then 'an invoice more than "
                ~ (var('health_alert_overdue_days') | string) ~ " days past due; ' else '' end",
            "case when flagged.top_negative_driver is not null then 'weakest: ' || "
                ~ "flagged.top_negative_driver || '; ' else '' end",
        ]) }} as reason_parts
    from flagged
),

final as (
    select
        cast(row_number() over (
            order by
                case when worded.is_new_today then 0 else 1 end asc,
                worded.current_mrr desc,
                worded.health_score asc,
                worded.customer_id asc
        ) as {{ dbt.type_int() }}) as attention_rank,
        cast(worded.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(worded.company_name as {{ dbt.type_string() }}) as company_name,
        cast(worded.segment as {{ dbt.type_string() }}) as segment,
        cast(worded.as_of_date as date) as as_of_date,
        cast(worded.health_score as {{ pulse_type_double() }}) as health_score,
        cast(worded.health_category as {{ dbt.type_string() }}) as health_category,
        cast(worded.health_color as {{ dbt.type_string() }}) as health_color,
        cast(worded.score_change_30d as {{ pulse_type_double() }}) as score_change_30d,
        cast(worded.trend as {{ dbt.type_string() }}) as trend,
        cast(worded.top_negative_driver as {{ dbt.type_string() }}) as top_negative_driver,
        cast(worded.current_mrr as decimal(18, 4)) as current_mrr,
        -- every listed customer's MRR is at risk (dim_customer_health counts a healthy
        -- customer kept listed by an episode's hysteresis as 0)
        cast(worded.current_mrr as decimal(18, 4)) as mrr_at_risk,
        worded.is_unhealthy,
        worded.has_dropped,
        worded.is_below_floor,
        cast(
            substring(worded.reason_parts, 1, {{ dbt.length('worded.reason_parts') }} - 2)
            as {{ dbt.type_string() }}
        ) as reason,
        cast(worded.owner as {{ dbt.type_string() }}) as owner,  -- noqa: RF04
        cast(worded.opened_on as date) as opened_on,
        worded.is_new_today,
        cast(worded.open_rules as {{ dbt.type_string() }}) as open_rules
    from worded
)

select * from final
