-- The survey signals as changes (see int_health_changes_product): each response enters the
-- trailing windows on its day and leaves them window-length days later.
--   engagement (var health_engagement_window_days): responses of any type;
--   satisfaction (var health_satisfaction_window_days): the sum and count of score_pct
--     (CSAT, CES and NPS answers on a 0-100 scale; their mean is the signal);
--   advocacy (var health_advocacy_window_days): the sum and count of NPS values
--     (promoter +1, passive 0, detractor -1; 100 x their mean is the personal NPS).
{%- set engagement_days = var('health_engagement_window_days') | int %}
{%- set satisfaction_days = var('health_satisfaction_window_days') | int %}
{%- set advocacy_days = var('health_advocacy_window_days') | int %}

with

responses as (
    select
        customer_id,
        responded_date,
        score_pct,
        nps_value
    from {{ ref('int_health_survey_responses') }}
),

entries as (
    select
        customer_id,
        responded_date,
        1 as survey_responses,
        cast(0 as {{ pulse_type_double() }}) as satisfaction_sum,
        0 as satisfaction_responses,
        0 as nps_sum,
        0 as nps_responses,
        cast({{ dbt.dateadd('day', engagement_days, 'responded_date') }} as date) as expires_day
    from responses
    union all
    select
        customer_id,
        responded_date,
        0 as survey_responses,
        score_pct as satisfaction_sum,
        1 as satisfaction_responses,
        0 as nps_sum,
        0 as nps_responses,
        cast({{ dbt.dateadd('day', satisfaction_days, 'responded_date') }} as date) as expires_day
    from responses
    where score_pct is not null
    union all
    select
        customer_id,
        responded_date,
        0 as survey_responses,
        cast(0 as {{ pulse_type_double() }}) as satisfaction_sum,
        0 as satisfaction_responses,
        nps_value as nps_sum,
        1 as nps_responses,
        cast({{ dbt.dateadd('day', advocacy_days, 'responded_date') }} as date) as expires_day
    from responses
    where nps_value is not null
),

final as (
    select
        customer_id,
        responded_date as change_day,
        expires_day,
        cast(survey_responses as {{ dbt.type_bigint() }}) as survey_responses,
        satisfaction_sum,
        cast(satisfaction_responses as {{ dbt.type_bigint() }}) as satisfaction_responses,
        cast(nps_sum as {{ dbt.type_bigint() }}) as nps_sum,
        cast(nps_responses as {{ dbt.type_bigint() }}) as nps_responses
    from entries
    union all
    select
        customer_id,
        expires_day as change_day,
        expires_day,
        cast(-1 * survey_responses as {{ dbt.type_bigint() }}) as survey_responses,
        -1 * satisfaction_sum as satisfaction_sum,
        cast(-1 * satisfaction_responses as {{ dbt.type_bigint() }}) as satisfaction_responses,
        cast(-1 * nps_sum as {{ dbt.type_bigint() }}) as nps_sum,
        cast(-1 * nps_responses as {{ dbt.type_bigint() }}) as nps_responses
    from entries
)

select * from final
