-- Who customer success should call today, and why: the customers of dim_customer_health that
-- are unhealthy, or dropped more than var('health_attention_drop_points') points in 30 days,
-- or score below var('health_attention_floor_score'); ranked by MRR at risk (then the lowest
-- score first), with the reason in words. company_name is the one identifying attribute
-- carried (CS must know whom to call); no e-mail or other contact data.
with

customers as (
    select
        customer_id,
        company_name
    from {{ ref('int_customers') }}
),

flagged as (
    select
        health.*,
        customers.company_name,
        health.health_category = 'unhealthy' as is_unhealthy,
        {{ health_dropped('health.score_change_30d') }} as has_dropped,
        {{ health_below_floor('health.health_score') }} as is_below_floor
    from {{ ref('dim_customer_health') }} as health
    left join customers on health.customer_id = customers.customer_id
    where health.needs_attention
),

worded as (
    select
        flagged.*,
        {#- decimal casts round (half away from zero) and print without trailing noise -#}
        {%- set score_text = "cast(cast(flagged.health_score as decimal(6, 1)) as "
            ~ dbt.type_string() ~ ")" %}
        {%- set drop_text = "cast(cast(-flagged.score_change_30d as decimal(6, 0)) as "
            ~ dbt.type_string() ~ ")" %}
        -- the applicable parts, each followed by '; ' (the last one trimmed below)
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
            "case when flagged.top_negative_driver is not null then 'weakest: ' || "
                ~ "flagged.top_negative_driver || '; ' else '' end",
        ]) }} as reason_parts
    from flagged
),

final as (
    select
        cast(row_number() over (
            order by worded.mrr_at_risk desc, worded.health_score asc, worded.customer_id asc
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
        cast(worded.mrr_at_risk as decimal(18, 4)) as mrr_at_risk,
        worded.is_unhealthy,
        worded.has_dropped,
        worded.is_below_floor,
        cast(
            substring(worded.reason_parts, 1, {{ dbt.length('worded.reason_parts') }} - 2)
            as {{ dbt.type_string() }}
        ) as reason
    from worded
)

select * from final
