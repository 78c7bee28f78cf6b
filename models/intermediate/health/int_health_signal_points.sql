-- One row per customer and target day: the points (0-100, higher = healthier) of each raw
-- signal of int_health_signals_daily (null when the signal has no value). Incremental: a run
-- computes the days of macro health_day_range (the new days, or everything when the
-- normalisation, a band or a signal's window changed) from the stored signals.
--   bands (var health_normalisation, the default): the points of the seed
--     health_score_bands band holding the value (an absolute score: docs/decisions.md);
--   percentile: the average-rank percentile of the
--     signal among the customers with a value that day (macro health_avg_rank_pct; a
--     lower-is-better signal is negated first, so fewer tickets = more points).
-- Values are rounded to 6 decimals, so values equal up to floating-point noise tie (and fall
-- in the same band). Points are computed once per distinct value (and day, for percentiles),
-- then joined back signal by signal on DuckDB: no row per customer, day and signal (that
-- long form and its pivot back dominated the health history's build); through the long form
-- on other engines (see `final`).
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

signal_values as (
    -- wide: one value column per signal (rounded; for percentiles, negated when lower is
    -- better), for the customer-days with at least one value
    select
        {%- for signal in health_signals() %}
            {{ (goodness if normalisation == 'percentile' else rounded)[signal.signal] }}
                as value_{{ loop.index }},
        {%- endfor %}
        customer_id,
        as_of_date
    from signals
    where {{ any_signal }}
),

{%- if normalisation == 'percentile' %}

    value_counts as (
        -- one row per day, signal and distinct value: how many customers have it
        {%- for signal in health_signals() %}
            select
                as_of_date,
                {{ loop.index }} as signal_number,
                value_{{ loop.index }} as signal_value,
                count(*) as tied_rows
            from signal_values
            where value_{{ loop.index }} is not null
            group by as_of_date, value_{{ loop.index }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),

    value_ranks as (
        select
            as_of_date,
            signal_number,
            signal_value,
            tied_rows,
            -- rows with a value up to this one (its ties included) / all rows of the signal
            sum(tied_rows) over (
                partition by as_of_date, signal_number order by signal_value
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
            signal_value,
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

{%- else %}

    distinct_values as (
        -- one row per signal and distinct value, over all days: far fewer than the
        -- customer-days, so the band lookup (a range join) runs on this, not on every row
        {%- for signal in health_signals() %}
            select distinct
                {{ loop.index }} as signal_number,
                value_{{ loop.index }} as signal_value
            from signal_values
            where value_{{ loop.index }} is not null
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),

    value_points as (
        -- the band holding the value (the bands tile the line, a tested rule of the seed:
        -- exactly one band per value)
        select
            distinct_values.signal_number,
            distinct_values.signal_value,
            bands.points
        from distinct_values
        inner join {{ ref('health_score_bands') }} as bands
            on
                bands.signal = case distinct_values.signal_number
                    {%- for signal in health_signals() %}
                        when {{ loop.index }} then '{{ signal.signal }}'
                    {%- endfor %}
                end
                and (
                    bands.lower_bound is null
                    or distinct_values.signal_value >= bands.lower_bound
                )
                and (
                    bands.upper_bound is null
                    or distinct_values.signal_value < bands.upper_bound
                )
    ),

{%- endif %}

{#- Attaching each value's points back to its rows, by the signal's value (and, for
    percentiles, the day): DuckDB joins the value table once per signal (no row per customer,
    day and signal: that long form and its pivot back dominated the health history's build).
    Spark plans those 18 joins to a windowed union, each inlined, for longer than the whole
    build takes and ran out of heap, so there the rows go long, join once and pivot back:
    the same points. -#}
{%- set same_day = normalisation == 'percentile' %}
{%- if target.type == 'duckdb' %}

    final as (
        select
            {%- for signal in health_signals() %}
                points_{{ loop.index }}.points as {{ signal.signal }}_points,
            {%- endfor %}
            signal_values.customer_id,
            signal_values.as_of_date
        from
            signal_values
        {%- for signal in health_signals() %}
            left join value_points as points_{{ loop.index }}
                on
                    points_{{ loop.index }}.signal_number = {{ loop.index }}
                    {%- if same_day %}
                        and signal_values.as_of_date = points_{{ loop.index }}.as_of_date
                    {%- endif %}
                    and signal_values.value_{{ loop.index }} = points_{{ loop.index }}.signal_value
        {%- endfor %}
    )

{%- else %}

    signal_rows as (
        -- long: one row per customer, day and signal (a null value keeps the row: a
        -- customer-day with at least one value keeps a row, as on DuckDB)
        {%- for signal in health_signals() %}
            select
                customer_id,
                as_of_date,
                {{ loop.index }} as signal_number,
                value_{{ loop.index }} as signal_value
            from signal_values
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
                signal_rows.signal_number = value_points.signal_number
                and signal_rows.signal_value = value_points.signal_value
                {%- if same_day %}
                    and signal_rows.as_of_date = value_points.as_of_date
                {%- endif %}
        group by signal_rows.customer_id, signal_rows.as_of_date
    )

{%- endif %}

select
    final.*,
    cast({{ health_fingerprint('points') }} as {{ dbt.type_string() }}) as config_fingerprint
from final
