{#-
    Calendar helpers of the metric marts. Months are calendar months in UTC; a month is
    represented by its first day, as a date.

    pulse_month(expr) -> date expression: the first day of the month of a date or timestamp.

    pulse_add_months(months, month_expr) -> date expression: month_expr moved by `months`
        months (an integer expression; may be negative).

    pulse_last_complete_month() -> date expression: the last complete month as of
        pulse_as_of_date(). A month is complete when the first day of the next month is on or
        before the as-of date (its closing snapshot, the next month's first day, is known), so
        the last complete month is always the month before the as-of date's month.

    pulse_month_spine(start_month, end_month) -> a select statement with one column `month`
        (date): every first day of a month from start_month to end_month inclusive (both date
        expressions of first days; scalar subqueries are fine); no row when either is null or
        end_month < start_month. Dispatched: DuckDB uses generate_series; the default is
        portable SQL (digits cross-joined, up to 1,000 months).

    pulse_type_double() -> the 8-byte floating point type name (dbt.type_float() is the
        4-byte float on DuckDB).
-#}

{% macro pulse_month(expr) -%}
    cast({{ dbt.date_trunc('month', expr) }} as date)
{%- endmacro %}


{% macro pulse_add_months(months, month_expr) -%}
    cast({{ dbt.dateadd('month', months, month_expr) }} as date)
{%- endmacro %}


{% macro pulse_last_complete_month() -%}
    {{ pulse_add_months(-1, pulse_month(pulse_as_of_date())) }}
{%- endmacro %}


{#-
    pulse_trailing_window_bounds(months) -> a select of one row: window_start_month and
        window_end_month, the trailing `months` complete months before the as-of month.
-#}
{% macro pulse_trailing_window_bounds(months) -%}
    select
        {{ pulse_add_months(1 - months | int, pulse_last_complete_month()) }}
            as window_start_month,
        {{ pulse_last_complete_month() }} as window_end_month
{%- endmacro %}


{% macro pulse_type_double() -%}
    {{ return(adapter.dispatch('pulse_type_double', 'pulse')()) }}
{%- endmacro %}

{% macro default__pulse_type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__pulse_type_double() -%}
    double
{%- endmacro %}

{% macro spark__pulse_type_double() -%}
    double
{%- endmacro %}


{% macro pulse_month_spine(start_month, end_month) -%}
    {{ return(adapter.dispatch('pulse_month_spine', 'pulse')(start_month, end_month)) }}
{%- endmacro %}

{% macro default__pulse_month_spine(start_month, end_month) -%}
    select spine_candidates.month
    from (
        select
            {{ pulse_add_months(
                'spine_digits_1.n + 10 * spine_digits_10.n + 100 * spine_digits_100.n',
                start_month
            ) }} as month
        from
            {%- for power in ['1', '10', '100'] %}
            (
                select 0 as n
                {%- for digit in range(1, 10) %}
                union all select {{ digit }} as n
                {%- endfor %}
            ) as spine_digits_{{ power }}{{ ',' if not loop.last }}
            {%- endfor %}
    ) as spine_candidates
    where spine_candidates.month <= {{ end_month }}
{%- endmacro %}

{% macro duckdb__pulse_month_spine(start_month, end_month) -%}
    select cast(spine_series.month as date) as month
    from (
        select
            unnest(generate_series(
                cast({{ start_month }} as timestamp),
                cast({{ end_month }} as timestamp),
                interval 1 month
            )) as month
    ) as spine_series
{%- endmacro %}

{#- Spark: sequence() of months, exploded; no row when a bound is null or end < start. -#}
{% macro spark__pulse_month_spine(start_month, end_month) -%}
    select spine_series.month
    from (
        select explode(sequence(
            cast({{ start_month }} as date),
            cast({{ end_month }} as date),
            interval 1 month
        )) as month
        where {{ start_month }} <= {{ end_month }}
    ) as spine_series
{%- endmacro %}
