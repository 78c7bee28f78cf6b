{#-
    Incremental models that replace whole days (int_health_product_daily): the strategy differs
    per adapter, the model's SQL does not.

    pulse_replace_days_config(day_column) -> the config of an incremental model whose run
        replaces every day it recomputes:
        DuckDB (default): delete+insert with unique_key day_column;
        Spark: insert_overwrite of a Parquet table partitioned by day_column (dynamic partition
        overwrite, set in profiles.yml; merge would need Delta or Iceberg, which a cluster
        profile may add). A day the run recomputes but that yields no row keeps its old
        partition on Spark, where delete+insert empties it.

    pulse_held_days(relation, day_column) -> a relation to select max(day_column) from: the
        model's own table. Spark cannot overwrite a table that its query reads, so there the
        latest held day is read before the run and inlined as a one-row subquery.
-#}
{% macro pulse_replace_days_config(day_column) -%}
    {{ return(adapter.dispatch('pulse_replace_days_config', 'pulse')(day_column)) }}
{%- endmacro %}

{% macro default__pulse_replace_days_config(day_column) -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': day_column}) }}
{%- endmacro %}

{% macro spark__pulse_replace_days_config(day_column) -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [day_column],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}


{% macro pulse_held_days(relation, day_column) -%}
    {{ return(adapter.dispatch('pulse_held_days', 'pulse')(relation, day_column)) }}
{%- endmacro %}

{% macro default__pulse_held_days(relation, day_column) -%}
    {{ relation }}
{%- endmacro %}

{% macro spark__pulse_held_days(relation, day_column) -%}
    {%- set latest = none -%}
    {%- if execute -%}
        {%- set latest = run_query(
            'select cast(max(' ~ day_column ~ ') as string) from ' ~ relation
        ).columns[0].values()[0] -%}
    {%- endif -%}
    (
        select
            {%- if latest %}
            cast('{{ latest }}' as date) as {{ day_column }}
            {%- else %}
            cast(null as date) as {{ day_column }}
            {%- endif %}
    )
{%- endmacro %}
