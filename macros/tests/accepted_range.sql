{#-
    Column-level generic test: fails for each row whose value lies outside
    [min_value, max_value] (or the open interval when inclusive is false). Either bound may be
    omitted. Nulls pass (test not_null separately). Optional `where` restricts the rows checked
    (from YAML, dbt applies it as the test's `where` config). Optional run_window_column: on
    an incremental table, check only the days the run wrote (macro pulse_run_window_filter,
    every day on a first build or --full-refresh).

        columns:
          - name: amount
            data_tests:
              - accepted_range:
                  arguments:
                    min_value: 0
                    inclusive: true
-#}
{% test accepted_range(
    model, column_name, min_value=none, max_value=none, inclusive=true, where=none,
    run_window_column=none
) %}

{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("accepted_range needs min_value or max_value") }}
{%- endif -%}
{%- set lower_op = '>=' if inclusive else '>' -%}
{%- set upper_op = '<=' if inclusive else '<' -%}

select *
from {{ model }}
where
    {{ column_name }} is not null
    and not (
        1 = 1
        {%- if min_value is not none %}
        and {{ column_name }} {{ lower_op }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        and {{ column_name }} {{ upper_op }} {{ max_value }}
        {%- endif %}
    )
    {%- if where is not none %}
    and ({{ where }})
    {%- endif %}
    {%- if run_window_column is not none %}
    and {{ pulse_run_window_filter(run_window_column) }}
    {%- endif %}

{% endtest %}
