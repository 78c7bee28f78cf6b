{#-
    pulse_seed_text(column) -> the text column of a seed, null where the CSV cell is empty.
        dbt-spark's `session` method (the local Spark target) loads an empty text cell of a
        seed as the string 'None' (dbt-labs/dbt-adapters#487, open), so on Spark that string
        is read back as null; every other engine loads null and reads the column as it is.
-#}
{% macro pulse_seed_text(column) -%}
    {{ return(adapter.dispatch('pulse_seed_text', 'pulse')(column)) }}
{%- endmacro %}

{% macro default__pulse_seed_text(column) -%}
    {{ column }}
{%- endmacro %}

{% macro spark__pulse_seed_text(column) -%}
    nullif({{ column }}, 'None')
{%- endmacro %}
