{#-
    pulse_as_of_date() -> SQL expression of type date: the day Pulse is computed "as of".

    Resolution order:
      1. var('as_of_date') when set (string YYYY-MM-DD; a YAML date from --vars works too),
      2. else the environment variable PULSE_AS_OF_DATE when non-empty,
      3. else current_date.
    A set value renders as cast('YYYY-MM-DD' as date). A value that is not a YYYY-MM-DD date
    stops compilation (it is rendered into SQL, so it is validated first).

    This is the only place in the project allowed to use current_date: every model that needs
    "today" calls this macro, so a run can be replayed for any day.

    The environment variable is read only when dbt executes (compiles for a run), never while
    it parses: dbt re-parses every file whose parse read an environment variable when that
    variable changes, and the date changes every day. Parsing needs no date (no config of a
    model depends on it), so a parse renders current_date.
-#}
{% macro pulse_as_of_date() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if (value is none or (value | string | trim) == '') and execute -%}
        {%- set value = env_var('PULSE_AS_OF_DATE', '') -%}
    {%- endif -%}
    {%- set value = (value | string | trim) if value is not none else '' -%}
    {%- if value == '' or value | lower == 'none' -%}
        current_date
    {%- else -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
            {{ exceptions.raise_compiler_error(
                "as_of_date must be a YYYY-MM-DD date, got '" ~ value ~ "'"
            ) }}
        {%- endif -%}
        cast('{{ value }}' as date)
    {%- endif -%}
{%- endmacro %}
