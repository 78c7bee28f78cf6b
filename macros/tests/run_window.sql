{#-
    Row-level data tests of a large incremental table check the days the run wrote, not the
    table's whole history again.

    pulse_run_window_filter(day_column, days=none) -> SQL condition (portable: DuckDB, Spark),
        true on the rows a run's tests must see:
        - cast(day_column as date) >= as_of_date - (days - 1): the last `days` days up to the
          as-of date (macro pulse_as_of_date), the days a daily run writes, with room for late
          rows; days defaults to var('test_window_days'); a row whose day is null is always
          in (so a not-null check of the day column itself still sees it);
        - 1 = 1 (every row) when the run rebuilt everything or the table is new: under
          --full-refresh, when the environment variable PULSE_TEST_ALL_DAYS is set (the Dagster
          build sets it on a warehouse's first build, when an incremental table is created;
          set it by hand for a one-off full check, e.g. after a health configuration change
          restated a layer's history), and when the tested model is not incremental on this
          target (a table, rebuilt whole on every run: e.g. stg_product__usage_events on Spark).

    The project's own generic tests apply it through their optional argument run_window_column
    (expression_is_true, accepted_range, unique_combination_of_columns, references):
        data_tests:
          - expression_is_true:
              arguments:
                expression: "customer_id is not null"
                run_window_column: as_of_date
    dbt's built-in tests and their `where` config are left as dbt ships them: a `where` config
    is rendered where no project macro exists, and overriding a dbt built-in project-wide is
    not allowed here.
-#}
{% macro pulse_run_window_filter(day_column, days=none) -%}
    {%- if pulse_run_window_is_everything() -%}
        1 = 1
    {%- else -%}
        {%- set n = (days if days is not none else var('test_window_days')) | int -%}
        {#- a row without a day is in every window: a not-null check of the day column must see it -#}
        ({{ day_column }} is null
            or cast({{ day_column }} as date)
            >= cast({{ dbt.dateadd('day', 1 - n, pulse_as_of_date()) }} as date))
    {%- endif -%}
{%- endmacro %}


{#- True when the test runs on a rebuild of the whole table (see above). Read only when the
    test runs (execute): at parse time the answer is not known, and an env_var read while
    parsing would make each change of it re-parse every test. -#}
{% macro pulse_run_window_is_everything() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if env_var('PULSE_TEST_ALL_DAYS', '') | trim not in ('', '0', 'false') -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set attached = model.get('attached_node') if model is mapping else none -%}
    {%- set tested = graph.nodes.get(attached) if attached else none -%}
    {%- if tested and tested.config.materialized != 'incremental' -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}
