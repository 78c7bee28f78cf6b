{#-
    Model-level generic test: fails for every row where `expression` is not true (false or
    null). Optional `where` restricts the rows checked. Optional run_window_column: on an
    incremental table, check only the days the run wrote (macro pulse_run_window_filter, every
    day on a first build or --full-refresh).

        data_tests:
          - expression_is_true:
              arguments:
                expression: "due_at >= issued_at"
                where: "status <> 'void'"

    Note: from YAML, dbt itself takes `where` as the test's `where` config and filters the model
    before the test runs; the macro argument covers direct calls. Both mean the same.

    On the large incremental tables it also stands in for dbt's not_null and accepted_values
    (which cannot take the run window without overriding a dbt built-in): one test per model
    for the required columns ("a is not null and b is not null") reads the table once instead
    of once per column, and a failing row shows which column is null.
-#}
{% test expression_is_true(model, expression, where=none, run_window_column=none) %}

select *
from {{ model }}
where
    not coalesce(({{ expression }}), false)
    {%- if where is not none %}
    and ({{ where }})
    {%- endif %}
    {%- if run_window_column is not none %}
    and {{ pulse_run_window_filter(run_window_column) }}
    {%- endif %}

{% endtest %}
