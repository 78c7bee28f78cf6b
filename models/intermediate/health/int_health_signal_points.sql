-- One row per customer and target day: the points (0-100, higher = healthier) of each raw
-- signal of int_health_signals_daily (null when the signal has no value). Incremental: a run
-- computes the days of macro health_day_range (the new days, or everything when the
-- normalisation, a band or a signal's window changed) from the stored signals.
--   bands (var health_normalisation, the default): the points of the seed
--     health_score_bands band holding the value (an absolute score: docs/decisions.md);
--   percentile: the average-rank percentile of the
--     signal among the customers with a value that day (macro health_avg_rank_pct; values
--     rounded to 6 decimals so that values equal up to floating-point noise tie; a
--     lower-is-better signal is negated first, so fewer tickets = more points), computed
--     once per distinct value and day, then joined back signal by signal on DuckDB (no row
--     per customer, day and signal: that long form and its pivot back dominated the health
--     history's build), through the long form on other engines (see `final`).
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **pulse_replace_days_config('as_of_date')
) }}
-- depends_on: {{ ref('health_score_bands') }}

{%- set normalisation = var('health_normalisation') %}
{%- if normalisation not in ['percentile', 'bands'] %}
    {{ exceptions.raise_compiler_error(
        "var health_normalisation must be 'percentile' or 'bands', got '" ~ normalisation ~ "'"
    ) }}
{%- endif %}

with

day_range as (
    {{ health_day_range(health_fingerprint('points')) }}
),

signals as (
    select signals_daily.*
    from {{ ref('int_health_signals_daily') }} as signals_daily
    cross join day_range
    where signals_daily.as_of_date between day_range.first_day and day_range.last_day
),

{#- the value ranked or banded, per signal: 6 decimals (a decimal cast rounds portably), so
    values equal up to floating-point noise tie; goodness: negated when lower is better -#}
{%- set rounded = {} %}
{%- set goodness = {} %}
{%- for signal in health_signals() %}
    {%- set value = 'cast(cast(' ~ signal.signal ~ ' as decimal(28, 6)) as '
        ~ pulse_type_double() ~ ')' %}
    {%- do rounded.update({signal.signal: value}) %}
    {%- do goodness.update({
        signal.signal: value if signal.higher_is_better else '-1 * ' ~ value
    }) %}
{%- endfor %}
{%- set any_signal = (health_signals() | map(attribute='signal') | join(' is not null or '))
    ~ ' is not null' %}

{%- if normalisation == 'percentile' %}

    signal_goodness as (
        -- wide: one goodness column per signal (negated when lower is better)
        select
            {%- for signal in health_signals() %}
                {{ goodness[signal.signal] }} as goodness_{{ loop.index }},
            {%- endfor %}
            customer_id,
            as_of_date
        from signals
        where {{ any_signal }}
    ),

    value_counts as (
        -- one row per day, signal and distinct value: how many customers have it
        {%- for signal in health_signals() %}
            select
                as_of_date,
                {{ loop.index }} as signal_number,
                goodness_{{ loop.index }} as goodness,
                count(*) as tied_rows
            from signal_goodness
            where goodness_{{ loop.index }} is not null
            group by as_of_date, goodness_{{ loop.index }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),

    value_ranks as (
        select
            as_of_date,
            signal_number,
            goodness,
            tied_rows,
            -- rows with a value up to this one (its ties included) / all rows of the signal
            sum(tied_rows) over (
                partition by as_of_date, signal_number order by goodness
            ) as rows_up_to,
            sum(tied_rows) over (partition by as_of_date, signal_number) as rows_with_value
        from value_counts
    ),

    value_points as (
        -- average rank = (lowest rank + highest rank) / 2, lowest = rows_up_to - tied_rows + 1,
        -- highest = rows_up_to: the formula of the macro health_avg_rank_pct, term for term
        select
            as_of_date,
            signal_number,
            goodness,
            case
                when rows_with_value = 1 then cast(50 as {{ pulse_type_double() }})
                else 100 * (
                    ((rows_up_to - tied_rows + 1) + rows_up_to)
                    / cast(2 as {{ pulse_type_double() }})
                    - 1
                ) / (rows_with_value - 1)
            end as points
        from value_ranks
    ),

{#- Attaching each value's points back to its rows: DuckDB joins the value table once per
        signal (no row per customer, day and signal: that long form and its pivot back
        dominated the build). Spark plans those 18 joins to a windowed union, each inlined,
        for longer than the whole build takes and ran out of heap, so there the rows go long,
        join once and pivot back: the same points. -#}
    {%- if target.type == 'duckdb' %}

        final as (
            select
                {%- for signal in health_signals() %}
                    points_{{ loop.index }}.points as {{ signal.signal }}_points,
                {%- endfor %}
                signal_goodness.customer_id,
                signal_goodness.as_of_date
            from
                signal_goodness
            {%- for signal in health_signals() %}
                left join value_points as points_{{ loop.index }}
                    on
                        signal_goodness.as_of_date = points_{{ loop.index }}.as_of_date
                        and points_{{ loop.index }}.signal_number = {{ loop.index }}
                        and signal_goodness.goodness_{{ loop.index }}
                        = points_{{ loop.index }}.goodness
            {%- endfor %}
        )

    {%- else %}

    signal_rows as (
        -- long: one row per customer, day and signal (a null goodness keeps the row: a
        -- customer-day with at least one value keeps a row, as on DuckDB)
        {%- for signal in health_signals() %}
            select
                customer_id,
                as_of_date,
                {{ loop.index }} as signal_number,
                goodness_{{ loop.index }} as goodness
            from signal_goodness
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),

    final as (
        -- back to one column per signal (max of a single value: exact, whatever the order)
        select
            {%- for signal in health_signals() %}
                max(
                    case
                        when signal_rows.signal_number = {{ loop.index }} then value_points.points
                    end
                ) as {{ signal.signal }}_points,
            {%- endfor %}
            signal_rows.customer_id,
            signal_rows.as_of_date
        from signal_rows
        left join value_points
            on
                signal_rows.as_of_date = value_points.as_of_date
                and signal_rows.signal_number = value_points.signal_number
                and signal_rows.goodness = value_points.goodness
        group by signal_rows.customer_id, signal_rows.as_of_date
    )

    {%- endif %}

{%- else %}

    signal_values as (
        -- long: one row per customer, day and signal with a value
        {%- for signal in health_signals() %}
            select
                customer_id,
                as_of_date,
                {{ loop.index }} as signal_number,
                {{ rounded[signal.signal] }} as raw_value
            from signals
            where {{ signal.signal }} is not null
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),

    signal_points as (
        select
            signal_values.customer_id,
            signal_values.as_of_date,
            signal_values.signal_number,
            bands.points
        from signal_values
        inner join {{ ref('health_score_bands') }} as bands
            on
                bands.signal = case signal_values.signal_number
                    {%- for signal in health_signals() %}
                        when {{ loop.index }} then '{{ signal.signal }}'
                    {%- endfor %}
                end
                and (bands.lower_bound is null or signal_values.raw_value >= bands.lower_bound)
                and (bands.upper_bound is null or signal_values.raw_value < bands.upper_bound)
    ),

    final as (
        -- back to one column per signal (max of a single value: exact, whatever the order)
        select
            {%- for signal in health_signals() %}
                max(case when signal_number = {{ loop.index }} then points end)
                    as {{ signal.signal }}_points,
            {%- endfor %}
            customer_id,
            as_of_date
        from signal_points
        group by customer_id, as_of_date
    )

{%- endif %}

select
    final.*,
    cast({{ health_fingerprint('points') }} as {{ dbt.type_string() }}) as config_fingerprint
from final
