-- Sufficient statistics of every CX score cell: one row per survey type, breakdown
-- (dimension = segment, touchpoint, channel, or all: every response of the month, the
-- company-wide cell), value of that breakdown and month, on a dense
-- grid: every month from the survey type's first response month to the as-of month, for
-- every value the breakdown ever took for that survey type. A month without responses is a
-- row with responses = 0 (the marts then show null rates), so a BI chart shows the gap
-- instead of silently joining two months. Only scorable responses count (see
-- int_survey_responses_scored.is_scorable).
{{ config(materialized='table') }}

with

scored as (
    select * from {{ ref('int_survey_responses_scored') }}
    where is_scorable
),

by_dimension as (
    select
        survey_type,
        'segment' as dimension,
        segment as dimension_value,
        month,
        is_satisfied,
        nps_category,
        ces_score_7pt,
        is_easy
    from scored
    union all
    select
        survey_type,
        'touchpoint' as dimension,
        touchpoint as dimension_value,
        month,
        is_satisfied,
        nps_category,
        ces_score_7pt,
        is_easy
    from scored
    union all
    select
        survey_type,
        'channel' as dimension,
        channel as dimension_value,
        month,
        is_satisfied,
        nps_category,
        ces_score_7pt,
        is_easy
    from scored
    union all
    -- the company-wide cell: pooled from the responses themselves (a standard deviation does
    -- not re-aggregate from the segment cells), for the fct_*_company_monthly marts
    select
        survey_type,
        'all' as dimension,
        'all' as dimension_value,
        month,
        is_satisfied,
        nps_category,
        ces_score_7pt,
        is_easy
    from scored
),

cells as (
    select
        survey_type,
        dimension,
        dimension_value,
        month,
        count(*) as responses,
        sum(case when is_satisfied then 1 else 0 end) as satisfied_responses,
        sum(case when nps_category = 'promoter' then 1 else 0 end) as promoters,
        sum(case when nps_category = 'passive' then 1 else 0 end) as passives,
        sum(case when nps_category = 'detractor' then 1 else 0 end) as detractors,
        sum(case when is_easy then 1 else 0 end) as easy_responses,
        sum(ces_score_7pt) as ces_score_sum,
        stddev_samp(ces_score_7pt) as ces_score_stddev
    from by_dimension
    group by survey_type, dimension, dimension_value, month
),

months as (
    {{ pulse_month_spine(
        '(select min(scored_bounds.month) from scored as scored_bounds)',
        pulse_month(pulse_as_of_date())
    ) }}
),

first_months as (
    select
        survey_type,
        min(month) as first_month
    from cells
    group by survey_type
),

breakdown_values as (
    select distinct
        survey_type,
        dimension,
        dimension_value
    from cells
),

grid as (
    select
        breakdown_values.survey_type,
        breakdown_values.dimension,
        breakdown_values.dimension_value,
        months.month
    from breakdown_values
    inner join first_months on breakdown_values.survey_type = first_months.survey_type
    inner join months on first_months.first_month <= months.month
),

final as (
    select
        grid.survey_type,
        grid.dimension,
        grid.dimension_value,
        grid.month,
        {{ pulse_add_months(1, 'grid.month') }} <= {{ pulse_as_of_date() }} as is_complete_month,
        cast(coalesce(cells.responses, 0) as {{ dbt.type_bigint() }}) as responses,
        cast(coalesce(cells.satisfied_responses, 0) as {{ dbt.type_bigint() }})
            as satisfied_responses,
        cast(coalesce(cells.promoters, 0) as {{ dbt.type_bigint() }}) as promoters,
        cast(coalesce(cells.passives, 0) as {{ dbt.type_bigint() }}) as passives,
        cast(coalesce(cells.detractors, 0) as {{ dbt.type_bigint() }}) as detractors,
        cast(coalesce(cells.easy_responses, 0) as {{ dbt.type_bigint() }}) as easy_responses,
        cast(coalesce(cells.ces_score_sum, 0) as {{ pulse_type_double() }}) as ces_score_sum,
        cast(cells.ces_score_stddev as {{ pulse_type_double() }}) as ces_score_stddev
    from grid
    left join cells
        on
            grid.survey_type = cells.survey_type
            and grid.dimension = cells.dimension
            and grid.dimension_value = cells.dimension_value
            and grid.month = cells.month
)

select * from final
