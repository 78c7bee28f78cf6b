{#-
    pulse_minutes_between(start_ts, end_ts) -> integer expression: the minute boundaries
        crossed from start_ts to end_ts, as dbt.datediff(..., 'minute') counts on DuckDB,
        Postgres and Snowflake (10:00:59 to 10:01:00 is one minute). dbt-spark's datediff
        divides the elapsed seconds instead (zero minutes there), so on Spark both timestamps
        are truncated to the minute (on the UTC epoch) and subtracted.
-#}
{% macro pulse_minutes_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('pulse_minutes_between', 'pulse')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__pulse_minutes_between(start_ts, end_ts) -%}
    {{ dbt.datediff(start_ts, end_ts, 'minute') }}
{%- endmacro %}

{% macro spark__pulse_minutes_between(start_ts, end_ts) -%}
    (
        cast(floor(unix_micros(cast({{ end_ts }} as timestamp)) / 60000000) as bigint)
        - cast(floor(unix_micros(cast({{ start_ts }} as timestamp)) / 60000000) as bigint)
    )
{%- endmacro %}
