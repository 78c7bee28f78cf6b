{#-
    Model-level generic test: fails for every row where `expression` is not true (false or
    null). Optional `where` restricts the rows checked.

        data_tests:
          - expression_is_true:
              arguments:
                expression: "due_at >= issued_at"
                where: "status <> 'void'"

    Note: from YAML, dbt itself takes `where` as the test's `where` config and filters the model
    before the test runs; the macro argument covers direct calls. Both mean the same.
-#}
{% test expression_is_true(model, expression, where=none) %}

select *
from {{ model }}
where
    not coalesce(({{ expression }}), false)
    {%- if where is not none %}
    and ({{ where }})
    {%- endif %}

{% endtest %}
