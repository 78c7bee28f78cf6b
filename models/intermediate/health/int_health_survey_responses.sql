-- One row per survey response dated on or before the as-of date, normalised for the health
-- score: score_pct puts every survey type on 0-100 (NPS: 100 x score / scale_max on its
-- 0..10 scale; CSAT and CES: 100 x (score - 1) / (scale_max - 1), their scales starting at
-- 1); nps_value is +1 for a promoter (9-10), 0 for a passive (7-8), -1 for a detractor
-- (0-6), only for NPS on the 0..10 scale. Compact input of the satisfaction, engagement
-- (responses = contact) and advocacy (NPS) signals.
{{ config(materialized='table') }}

with

responses as (
    select
        response_id,
        customer_id,
        survey_type,
        score,
        scale_max,
        responded_at
    from {{ ref('stg_survey__survey_responses') }}
    where
        customer_id is not null
        and cast(responded_at as date) <= {{ pulse_as_of_date() }}
),

final as (
    select
        response_id,
        customer_id,
        cast(responded_at as date) as responded_date,
        survey_type,
        score,
        scale_max,
        cast(case
            when survey_type = 'nps' and scale_max >= 1
                then 100 * cast(score as {{ pulse_type_double() }}) / scale_max
            when survey_type in ('csat', 'ces') and scale_max >= 2
                then 100 * cast(score - 1 as {{ pulse_type_double() }}) / (scale_max - 1)
        end as {{ pulse_type_double() }}) as score_pct,
        cast(case
            when survey_type = 'nps' and scale_max = 10
                then case {{ pulse_nps_category('score') }}
                    when 'promoter' then 1
                    when 'detractor' then -1
                    else 0
                end
        end as {{ dbt.type_int() }}) as nps_value
    from responses
)

select * from final
