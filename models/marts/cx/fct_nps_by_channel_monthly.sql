-- NPS per month and channel: counts beside every rate, one row per cell of the dense grid of
-- int_survey_scores_monthly (a month without responses has responses = 0 and null rates).
-- Formulas: macros/metrics/survey_metrics.sql.
with

cells as (
    select * from {{ ref('int_survey_scores_monthly') }}
    where survey_type = 'nps' and dimension = 'channel'
),

final as (
    select
        cells.month,
        cells.dimension_value as channel,
        {{ pulse_nps_measures('cells') }}
    from cells
)

select * from final
