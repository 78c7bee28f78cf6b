{#-
    pulse_number_text(expr, decimals, precision) -> a number as text with `decimals` decimals,
    rounded half away from zero: the scores and changes that alert and playbook reasons quote.

    The same text on every engine. A double cast straight to a decimal is rounded differently:
    DuckDB writes 56.449999999999996 as 56.5, Spark as 56.4. Here the rounding is done on the
    double first (scaled, plus one half, floored: IEEE arithmetic, the same on both), and the
    cast of the rounded value to the decimal is then exact.
-#}
{% macro pulse_number_text(expr, decimals, precision=6) -%}
    {%- set scale = 10 ** (decimals | int) -%}
    cast(cast(
        sign({{ expr }}) * floor(abs({{ expr }}) * {{ scale }} + 0.5) / {{ scale }}
        as decimal({{ precision }}, {{ decimals }})
    ) as {{ dbt.type_string() }})
{%- endmacro %}
