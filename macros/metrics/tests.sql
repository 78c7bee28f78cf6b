{#-
    Generic reconciliation tests of the metric marts.

    (A breakdown adding up to its total is the generic test totals_match, macros/tests/.)

    chains_month_over_month(model, partition_by, month_column, start_column, end_column)
        Model-level: the closing value of a month is the opening value of the next month
        (end_column of month m = start_column of month m + 1, within each partition_by group),
        e.g. mrr_at_end -> mrr_at_start of fct_churn_monthly. Fails with one row per break.
-#}

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
