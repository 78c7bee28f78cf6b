{#-
    Column-level generic test: fails for each row whose value is not null and not found in
    `field` of the model `to` (dbt's relationships, with the run window). Optional
    run_window_column: on an incremental table, check only the days the run wrote (macro
    pulse_run_window_filter, every day on a first build or --full-refresh); the model `to` is
    always read whole.

        columns:
          - name: scorecard
            data_tests:
              - references:
                  arguments:
                    to: ref('health_score_weights')
                    field: scorecard
                    run_window_column: as_of_date
-#}
{% test references(model, column_name, to, field, run_window_column=none) %}

with

child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where
        {{ column_name }} is not null
        {%- if run_window_column is not none %}
        and {{ pulse_run_window_filter(run_window_column) }}
        {%- endif %}
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select child.from_field
from child
left join parent
    on child.from_field = parent.to_field
where parent.to_field is null

{% endtest %}
