-- CES per month over every response (all segments): the company-wide figure the report
-- shows. The cell is int_survey_scores_monthly's dimension 'all', counted from the responses
-- themselves; the formulas are the segment marts' own (macros/metrics/survey_metrics.sql), so
-- there is no second implementation to drift. min_responses: the threshold of is_low_sample,
-- so a reader (the report's footnote) needs no copy of the dbt var.
with

cells as (
    select * from {{ ref('int_survey_scores_monthly') }}
    where survey_type = 'ces' and dimension = 'all'
),

final as (
    select
        cells.month,
        {{ pulse_ces_measures('cells') }},
        cast({{ var('min_responses') | int }} as {{ dbt.type_bigint() }}) as min_responses
    from cells
)

select * from final
