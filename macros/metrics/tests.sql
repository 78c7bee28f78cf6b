{#-
    Generic reconciliation tests of the metric marts.

    metric_totals_match(model, compare_model, group_by, columns, model_where=none, compare_where=none)
        Model-level: for each group (group_by: list of columns present in both models), the
        sums of `columns` in model equal those in compare_model (filtered by the optional
        where clauses). Fails with one row per group that differs or exists on one side only.
        E.g. a breakdown adds up to its total:

            data_tests:
              - metric_totals_match:
                  arguments:
                    compare_model: ref('fct_csat_monthly')
                    group_by: [month]
                    columns: [responses, satisfied]

    chains_month_over_month(model, partition_by, month_column, start_column, end_column)
        Model-level: the closing value of a month is the opening value of the next month
        (end_column of month m = start_column of month m + 1, within each partition_by group),
        e.g. mrr_at_end -> mrr_at_start of fct_churn_monthly. Fails with one row per break.
-#}

{% test metric_totals_match(model, compare_model, group_by, columns, model_where=none, compare_where=none) %}

{%- set keys = group_by | join(', ') %}

with

model_totals as (
    select
        {{ keys }},
        {%- for column in columns %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
    {%- if model_where %}
    where {{ model_where }}
    {%- endif %}
    group by {{ keys }}
),

compare_totals as (
    select
        {{ keys }},
        {%- for column in columns %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ compare_model }}
    {%- if compare_where %}
    where {{ compare_where }}
    {%- endif %}
    group by {{ keys }}
)

select
    {%- for key in group_by %}
    coalesce(model_totals.{{ key }}, compare_totals.{{ key }}) as {{ key }},
    {%- endfor %}
    {%- for column in columns %}
    model_totals.{{ column }} as model_{{ column }},
    compare_totals.{{ column }} as compare_{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
from model_totals
full outer join compare_totals
    on
    {%- for key in group_by %}
        {{ 'and ' if not loop.first }}model_totals.{{ key }} = compare_totals.{{ key }}
    {%- endfor %}
where
    {%- for column in columns %}
    {{ 'or ' if not loop.first }}not coalesce(model_totals.{{ column }} = compare_totals.{{ column }}, false)
    {%- endfor %}

{% endtest %}


{% test chains_month_over_month(model, partition_by, month_column, start_column, end_column) %}

{%- if partition_by is string -%}{%- set partition_by = [partition_by] -%}{%- endif -%}

select
    this_month.*
from {{ model }} as this_month
inner join {{ model }} as next_month
    on
        {{ pulse_add_months(1, 'this_month.' ~ month_column) }} = next_month.{{ month_column }}
        {%- for column in partition_by %}
        and this_month.{{ column }} = next_month.{{ column }}
        {%- endfor %}
where not coalesce(this_month.{{ end_column }} = next_month.{{ start_column }}, false)

{% endtest %}
