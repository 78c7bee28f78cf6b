{#-
    Model-level generic test: fails for each combination of `combination_of_columns` that
    occurs on more than one row (null is compared as a value: two rows with the same nulls
    count as duplicates, as group by does). Optional run_window_column: on an incremental
    table, only the rows of the days the run wrote (macro pulse_run_window_filter, every day on
    a first build or --full-refresh); with the day column in the key, a run that writes whole
    days can only break uniqueness within them.

        data_tests:
          - unique_combination_of_columns:
              arguments:
                combination_of_columns: [spend_date, channel, campaign]
-#}
{% test unique_combination_of_columns(model, combination_of_columns, run_window_column=none) %}

{%- set columns = combination_of_columns | join(', ') %}

select
    {{ columns }},
    count(*) as n_records
from {{ model }}
{%- if run_window_column is not none %}
where {{ pulse_run_window_filter(run_window_column) }}
{%- endif %}
group by {{ columns }}
having count(*) > 1

{% endtest %}
