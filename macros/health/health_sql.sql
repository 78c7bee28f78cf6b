{#-
    SQL building blocks of the health score. Portable SQL; DuckDB-only syntax only
    inside adapter.dispatch macros (default__ and duckdb__ implementations).

    health_avg_rank_pct(value_expr, partition_by, n_expr=none) -> double expression, a window
        function:
        the average-rank percentile of value_expr within partition_by, 0-100:
            100 * ((lowest rank + highest rank of the value's ties) / 2 - 1) / (n - 1)
        (= 100 * (rank - 1 + (ties - 1) / 2) / (n - 1)), ranks ascending (1 = smallest), n the
        rows of the partition (n_expr when given, e.g. a per-day count joined in); 50 when
        n = 1. One sort per call (rank() and the running count share the window). Ties share the mean of their
        ranks (as in the Mann-Whitney AUC), so a value strictly greater than another always
        gets strictly more points, and the rule is symmetric (all equal -> 50 each). Use it
        on rows whose value is not null.

    health_ticket_weight(priority_expr, category_expr) -> numeric expression: the ticket's
        weight, var('health_support_priority_weights')[priority] (1 when the priority is not
        listed) times var('health_support_category_weights')[category] (1 when not listed).

    health_dropped(change_expr) / health_below_floor(score_expr) -> boolean: the 30-day change
        is below -var('health_attention_drop_points') / the score is below
        var('health_attention_floor_score'); false when the value is null.
    health_needs_attention(category_expr, score_expr, change_expr) -> boolean: unhealthy, or
        dropped, or below the floor: the rule of rpt_customers_needing_attention.

    health_component_mean(component, weights) -> double expression: the weighted mean of the
        columns <signal>_points of the component's signals (health_signals()) that are not
        null, each weighing the column <signal>_weight of the relation `weights` (one row: the
        seed health_signal_weights pivoted; macro health_signal_weights_pivot), summed in a
        fixed order (exact and deterministic); null when all are null or weigh 0. Equal
        weights give the plain mean, bit for bit (a weight of 1 multiplies exactly).

    health_extreme_contribution(function) -> double expression: least (function = 'least')
        or greatest ('greatest') of the columns <component>_contribution, a null counting as
        +1e308 / -1e308 (so it is never picked; some engines' least / greatest skip nulls,
        others return null).

    health_color(category_expr) -> 'green' / 'yellow' / 'red' for healthy / at_risk /
        unhealthy (null for null).
-#}

{% macro health_avg_rank_pct(value_expr, partition_by, n_expr=none) -%}
    {#- rank() is the lowest rank of the value's ties; count(*) with the default frame (range
        up to the current row, peers included) the highest: their mean is the average rank -#}
    {%- set n = n_expr if n_expr is not none
        else 'count(*) over (partition by ' ~ partition_by ~ ')' -%}
    case
        when {{ n }} = 1 then cast(50 as {{ pulse_type_double() }})
        else 100 * (
            (
                rank() over (partition by {{ partition_by }} order by {{ value_expr }})
                + count(*) over (partition by {{ partition_by }} order by {{ value_expr }})
            ) / cast(2 as {{ pulse_type_double() }})
            - 1
        ) / ({{ n }} - 1)
    end
{%- endmacro %}


{% macro health_ticket_weight(priority_expr, category_expr) -%}
    {%- set priorities = var('health_support_priority_weights') -%}
    {%- set categories = var('health_support_category_weights') -%}
    (
        case {{ priority_expr }}
            {%- for priority, weight in priorities.items() | sort %}
            when '{{ priority }}' then {{ weight | float }}
            {%- endfor %}
            else 1.0
        end
        * case {{ category_expr }}
            {%- for category, weight in categories.items() | sort %}
            when '{{ category }}' then {{ weight | float }}
            {%- endfor %}
            else 1.0
        end
    )
{%- endmacro %}


{% macro health_dropped(change_expr) -%}
    coalesce({{ change_expr }} < -{{ var('health_attention_drop_points') | float }}, false)
{%- endmacro %}


{% macro health_below_floor(score_expr) -%}
    coalesce({{ score_expr }} < {{ var('health_attention_floor_score') | float }}, false)
{%- endmacro %}


{% macro health_needs_attention(category_expr, score_expr, change_expr) -%}
    (
        coalesce({{ category_expr }} = 'unhealthy', false)
        or {{ health_dropped(change_expr) }}
        or {{ health_below_floor(score_expr) }}
    )
{%- endmacro %}


{% macro health_color(category_expr) -%}
    case {{ category_expr }}
        when 'healthy' then 'green'
        when 'at_risk' then 'yellow'
        when 'unhealthy' then 'red'
    end
{%- endmacro %}


{% macro health_component_mean(component, weights) -%}
    {%- set names = health_signals() | selectattr('component', 'equalto', component)
        | map(attribute='signal') | list -%}
    {%- if names | length == 0 -%}
        {{ exceptions.raise_compiler_error("health_component_mean: no signal for " ~ component) }}
    {%- endif -%}
    (
        (
            {%- for name in names %}
            coalesce({{ name }}_points * {{ weights }}.{{ name }}_weight, 0){{ ' +' if not loop.last }}
            {%- endfor %}
        )
        / nullif(
            {%- for name in names %}
            case
                when {{ name }}_points is null then 0 else {{ weights }}.{{ name }}_weight
            end{{ ' +' if not loop.last }}
            {%- endfor %},
            0
        )
    )
{%- endmacro %}


{% macro health_extreme_contribution(function) -%}
    {%- set filler = '1e308' if function == 'least' else '-1e308' -%}
    {{ function }}(
        {%- for component in health_components() %}
        coalesce({{ component }}_contribution, {{ filler }}){{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}


{#- health_signal_weights_pivot(relation) -> a select of one row from the seed
    health_signal_weights (signal, weight): a column <signal>_weight per signal of
    health_signals(); a signal the seed does not list weighs nothing (the seed's tests require
    every signal). -#}
{% macro health_signal_weights_pivot(relation) -%}
    select
        {%- for signal in health_signals() %}
        coalesce(max(case when signal = '{{ signal.signal }}' then weight end), 0)
            as {{ signal.signal }}_weight{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}
