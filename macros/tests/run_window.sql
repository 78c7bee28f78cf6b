{#-
    Row-level data tests (not_null, unique, relationships, accepted_values...) of a large
    incremental table check the days the run wrote, not the table's whole history again.

    pulse_run_window_filter(day_column, days=none) -> SQL condition (portable: DuckDB, Spark),
        true on the rows a run's tests must see:
        - cast(day_column as date) >= as_of_date - (days - 1): the last `days` days up to the
          as-of date (macro pulse_as_of_date), the days a daily run writes, with room for late
          rows; days defaults to var('test_window_days'); a row whose day is null is always
          in (so not_null on the day column itself still sees it);
        - 1 = 1 (every row) when the run rebuilt everything or the table is new: under
          --full-refresh, when the environment variable PULSE_TEST_ALL_DAYS is set (the Dagster
          build sets it on a warehouse's first build, when an incremental table is created;
          set it by hand for a one-off full check), and when the tested model is not
          incremental on this target (a table, rebuilt whole on every run: e.g.
          stg_product__usage_events on Spark).

    In a test's YAML, write the placeholder __pulse_run_window__(day_column) as its where
    config, e.g.
        data_tests:
          - not_null:
              config:
                where: "__pulse_run_window__(occurred_at)"
    dbt renders a YAML config where no project macro exists, so the placeholder is expanded
    when the test runs, by the get_where_subquery override below (dbt's documented way to
    template a where config with a macro). Other where configs pass through unchanged.
-#}
{% macro pulse_run_window_filter(day_column, days=none) -%}
    {%- if pulse_run_window_is_everything() -%}
        1 = 1
    {%- else -%}
        {%- set n = (days if days is not none else var('test_window_days')) | int -%}
        {#- a row without a day is in every window: not_null on the day column must see it -#}
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
    {%- if tested and tested.config.materialized not in ('incremental', 'pulse_batched_incremental') -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}


{#- `where` with each __pulse_run_window__(column) replaced by its condition. -#}
{% macro pulse_expand_run_window(where) -%}
    {#- a namespace: a plain set inside a for loop does not outlive the loop -#}
    {%- set expanded = namespace(where=where) -%}
    {%- for column in modules.re.findall('__pulse_run_window__[(]([A-Za-z0-9_]+)[)]', where) -%}
        {%- set expanded.where = expanded.where | replace(
            '__pulse_run_window__(' ~ column ~ ')', pulse_run_window_filter(column) | trim
        ) -%}
    {%- endfor -%}
    {{ return(expanded.where) }}
{%- endmacro %}


{#- dbt's get_where_subquery (the subquery a generic test reads when it has a where config),
    with the run-window placeholder expanded. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ pulse_expand_run_window(where) }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
