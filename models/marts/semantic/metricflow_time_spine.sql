-- The MetricFlow time spine: one row per calendar day, from var('semantic_time_spine_start')
-- (default 2010-01-01) to a year after the as-of date. MetricFlow (the dbt Semantic Layer)
-- joins metrics to it for time-based joins and aggregations (metric_time, cumulative metrics,
-- offsets); see _semantic__models.yml. Not a business mart: it only serves the semantic layer.
with

days as (
    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('semantic_time_spine_start', '2010-01-01') ~ "' as date)",
        dbt.dateadd('day', 366, pulse_as_of_date())
    ) }}
)

select cast(days.date_day as date) as date_day
from days
