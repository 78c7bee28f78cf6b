{#-
    pulse_register_raw_sources() -> on-run-start hook (dbt_project.yml): makes every dbt source
        readable under its usual name (raw.<source>, pulse_meta.<table>) on the target.

    DuckDB: nothing to do, the ingestion writes the sources into the warehouse itself.
    Spark: the ingestion still runs in DuckDB (ledger, quarantine, latest-file-wins lineage);
        orchestration/raw_export.py then writes each source table as Parquet under
        env PULSE_RAW_PARQUET_DIR (<dir>/<schema>/<table>/, one file per landed file for raw).
        This hook (re)creates each source as an external Parquet table over its folder (env
        PULSE_RAW_PARQUET_LOCATION when the engine sees the folder elsewhere, a cluster):
        dropping an external table keeps its files, and re-creating it re-reads the folder's
        file list and schema, so a run sees exactly the files exported before it.
-#}
{% macro pulse_register_raw_sources() -%}
    {{ return(adapter.dispatch('pulse_register_raw_sources', 'pulse')()) }}
{%- endmacro %}

{% macro default__pulse_register_raw_sources() -%}
    select 1 as sources_are_in_the_warehouse
{%- endmacro %}

{% macro spark__pulse_register_raw_sources() -%}
    {%- if execute -%}
        {#- where the engine finds the folder: the same path locally; on a cluster, its URL
            (s3://...) while the loader writes to a mount of it -#}
        {%- set root = env_var(
            'PULSE_RAW_PARQUET_LOCATION',
            env_var('PULSE_RAW_PARQUET_DIR', 'warehouse/pulse_raw_parquet')
        ) -%}
        {%- set schemas = [] -%}
        {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- if source.schema not in schemas -%}
                {%- do schemas.append(source.schema) -%}
                {%- do run_query('create database if not exists ' ~ source.schema) -%}
            {%- endif -%}
            {%- set name = source.schema ~ '.' ~ source.identifier -%}
            {%- do run_query('drop table if exists ' ~ name) -%}
            {#- mergeSchema: files exported before the contract gained a column (an optional
                one, such as updated_at) lack it; the table has the union of the files'
                columns, null where a file has none -#}
            {%- do run_query(
                'create table ' ~ name ~ " using parquet options (mergeSchema 'true') location '"
                ~ root ~ '/' ~ source.schema ~ '/' ~ source.identifier ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as sources_registered
{%- endmacro %}
