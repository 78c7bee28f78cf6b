{#-
    Model-level generic test: fails for each combination of `combination_of_columns` that
    occurs on more than one row (null is compared as a value: two rows with the same nulls
    count as duplicates, as group by does).

        data_tests:
          - unique_combination_of_columns:
              arguments:
                combination_of_columns: [spend_date, channel, campaign]
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set columns = combination_of_columns | join(', ') %}

select
    {{ columns }},
    count(*) as n_records
from {{ model }}
group by {{ columns }}
having count(*) > 1

{% endtest %}
