{#-
    pulse_listagg(measure, delimiter, order_by) -> aggregate expression: the values of measure
        (a string expression) joined by delimiter (a plain string, not SQL), in the order of
        order_by (a list of expressions, ascending). Null values are skipped.
    dbt.listagg on Spark ignores its order-by clause (with a warning), so the result would
    depend on how the rows happen to be read; the Spark version sorts structs whose leading
    fields are the order-by keys.
-#}
{% macro pulse_listagg(measure, delimiter, order_by) -%}
    {{ return(adapter.dispatch('pulse_listagg', 'pulse')(measure, delimiter, order_by)) }}
{%- endmacro %}

{% macro default__pulse_listagg(measure, delimiter, order_by) -%}
    {{ dbt.listagg(measure, "'" ~ delimiter ~ "'", 'order by ' ~ order_by | join(', ')) }}
{%- endmacro %}

{% macro spark__pulse_listagg(measure, delimiter, order_by) -%}
    array_join(
        transform(
            array_sort(collect_list(named_struct(
                {%- for key in order_by %}
                'k{{ loop.index }}', {{ key }},
                {%- endfor %}
                'v', {{ measure }}
            ))),
            x -> x.v
        ),
        '{{ delimiter }}'
    )
{%- endmacro %}
