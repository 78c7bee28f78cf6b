-- One row per customer and target day: the points (0-100, higher = healthier) of each raw
-- signal of int_health_signals_daily (null when the signal has no value). Ephemeral.
--   percentile (var health_normalisation, the default): the average-rank percentile of the
--     signal among the customers with a value that day (macro health_avg_rank_pct; values
--     rounded to 6 decimals so that values equal up to floating-point noise tie; a
--     lower-is-better signal is negated first, so fewer tickets = more points);
--   bands: the points of the seed health_score_bands band holding the value.
-- Long and narrow (key, signal number, value): one sort ranks every signal of every day.
{{ config(materialized=pulse_health_chain_materialization()) }}
-- depends_on: {{ ref('health_score_bands') }}

{%- set normalisation = var('health_normalisation') %}
{%- if normalisation not in ['percentile', 'bands'] %}
    {{ exceptions.raise_compiler_error(
        "var health_normalisation must be 'percentile' or 'bands', got '" ~ normalisation ~ "'"
    ) }}
{%- endif %}

with

signals as (
    select * from {{ ref('int_health_signals_daily') }}
),

{#- signal_number = position in health_signals(); lower-is-better signals are negated -#}
{%- set lower_is_better = [] %}
{%- for signal in health_signals() %}
    {%- if not signal.higher_is_better %}
        {%- do lower_is_better.append(loop.index | string) %}
    {%- endif %}
{%- endfor %}
{%- set goodness_expr = 'case when signal_number in (' ~ (lower_is_better | join(', '))
    ~ ') then -1 * raw_value else raw_value end' %}

signal_values as (
    {%- for signal in health_signals() %}
        select
            customer_id,
            as_of_date,
            {{ loop.index }} as signal_number,
            -- 6 decimals (a decimal cast rounds portably)
            cast(cast({{ signal.signal }} as decimal(28, 6)) as {{ pulse_type_double() }})
                as raw_value
        from signals
        where {{ signal.signal }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

signal_points as (
    {%- if normalisation == 'percentile' %}
        select
            customer_id,
            as_of_date,
            signal_number,
            {{ health_avg_rank_pct(
                goodness_expr, 'as_of_date, signal_number'
            ) }} as points
        from signal_values
    {%- else %}
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
    {%- endif %}
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

select * from final
