-- One row per survey response dated on or before the as-of date, with its UTC month, the
-- customer's segment, the touchpoint and channel ('unknown' when empty) and the per-type
-- classification the CX marts count. Formulas: macros/metrics/survey_metrics.sql.
-- A table, not a view: several models and many tests read it, each computing a view again.
{{ config(materialized='table') }}

with

responses as (
    select
        response_id,
        customer_id,
        survey_type,
        score,
        scale_max,
        responded_at,
        touchpoint,
        channel
    from {{ ref('stg_survey__survey_responses') }}
    where cast(responded_at as date) <= {{ pulse_as_of_date() }}
),

customers as (
    select
        customer_id,
        segment
    from {{ ref('int_customers') }}
),

scored as (
    select
        responses.response_id,
        responses.customer_id,
        coalesce(customers.segment, 'unknown') as segment,
        responses.survey_type,
        {{ pulse_month('responses.responded_at') }} as month,  -- noqa: RF04
        responses.responded_at,
        responses.score,
        responses.scale_max,
        coalesce(responses.touchpoint, 'unknown') as touchpoint,
        coalesce(responses.channel, 'unknown') as channel,
        -- NPS is defined on the 0..10 scale only; CES needs two points to map onto 7.
        case responses.survey_type
            when 'nps' then responses.scale_max = 10
            when 'ces' then responses.scale_max >= 2
            else responses.scale_max >= 1
        end as is_scorable,
        case
            when responses.survey_type = 'csat'
                then {{ pulse_csat_is_satisfied('responses.score', 'responses.scale_max') }}
        end as is_satisfied,
        case
            when responses.survey_type = 'nps' and responses.scale_max = 10
                then {{ pulse_nps_category('responses.score') }}
        end as nps_category,
        case
            when responses.survey_type = 'ces' and responses.scale_max >= 2
                then {{ pulse_ces_score_7pt('responses.score', 'responses.scale_max') }}
        end as ces_score_7pt,
        case
            when responses.survey_type = 'ces' and responses.scale_max >= 2
                then {{ pulse_ces_is_easy('responses.score', 'responses.scale_max') }}
        end as is_easy
    from responses
    left join customers on responses.customer_id = customers.customer_id
)

select * from scored
