-- One row per customer and day on which the customer had an active subscription: the seven
-- component scores, the weighted health score, its coverage, category, colour, drivers and
-- 30-day change. A thin layer over the stored component scores (int_health_components_daily):
-- no signal is computed here. Incremental: a run scores the days of macro health_day_range
-- (the backfill, the new days, or, when a weight, the category rule or a threshold changed,
-- the whole history, re-scored from the stored components) and replaces them. The 30-day
-- change re-scores the 30 days before the first day computed from their stored components
-- (the score is a function of one row and the weights), so the model never reads its own
-- table for a value. Formulas: _health__models.yml.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **pulse_replace_days_config('as_of_date')
) }}

{%- set rule = var('health_category_rule') %}
{%- if rule not in ['quantile', 'fixed'] %}
    {{ exceptions.raise_compiler_error(
        "var health_category_rule must be 'quantile' or 'fixed', got '" ~ rule ~ "'"
    ) }}
{%- endif %}
{%- set components_list = health_components() %}

with

day_range as (
    {{ health_day_range(health_fingerprint('score')) }}
),

components as (
    -- the days scored, and the 30 days before them (for the 30-day change only)
    select
        held_components.customer_id,
        held_components.as_of_date,
        {%- for component in components_list %}
            held_components.{{ component }}_score,
        {%- endfor %}
        held_components.segment,
        held_components.mrr,
        held_components.as_of_date >= day_range.first_day as is_scored_day
    from {{ ref('int_health_components_daily') }} as held_components
    cross join day_range
    where
        held_components.as_of_date
        between cast({{ dbt.dateadd('day', -30, 'day_range.first_day') }} as date)
        and day_range.last_day
),

scorecard_weights as (
    -- one row per scorecard, one weight column per component (0 when not listed)
    select
        {%- for component in components_list %}
            coalesce(sum(case when component = '{{ component }}' then weight end), 0)
                as {{ component }}_weight,
        {%- endfor %}
        scorecard
    from {{ ref('health_score_weights') }}
    group by scorecard
),

assigned as (
    -- the segment's own scorecard when there is one, else `default`
    select
        components.*,
        coalesce(own_scorecard.scorecard, 'default') as scorecard
    from components
    left join scorecard_weights as own_scorecard
        on components.segment = own_scorecard.scorecard
),

weighted as (
    select
        assigned.*,
        {%- for component in components_list %}
            scorecard_weights.{{ component }}_weight,
        {%- endfor %}
        (
            {%- for component in components_list %}
                case
                    when assigned.{{ component }}_score is not null
                        then scorecard_weights.{{ component }}_weight
                    else 0
                end{{ ' +' if not loop.last }}
            {%- endfor %}
        ) as coverage,
        (
            {%- for component in components_list %}
                coalesce(
                    assigned.{{ component }}_score * scorecard_weights.{{ component }}_weight, 0
                )
                {{- ' +' if not loop.last }}
            {%- endfor %}
        ) as weighted_sum,
        (
            {%- for component in components_list %}
                case when assigned.{{ component }}_score is not null then 1 else 0 end
                {{- ' +' if not loop.last }}
            {%- endfor %}
        ) as components_with_data
    from assigned
    inner join scorecard_weights on assigned.scorecard = scorecard_weights.scorecard
),

weighted_scores as (
    select
        weighted.*,
        case when weighted.coverage > 0 then weighted.weighted_sum / weighted.coverage end
            as health_score,
        {{ health_day_number('weighted.as_of_date') }}
            as day_number
    from weighted
),

scored as (
    -- the score 30 days earlier: the customer's row exactly 30 days back, if any, taken by
    -- a window over the customer's days (one sort) rather than a join of the 24 M scored
    -- rows back onto themselves, which took half of the model's time
    select
        weighted_scores.*,
        max(weighted_scores.health_score) over (
            partition by weighted_scores.customer_id
            order by weighted_scores.day_number
            range between 30 preceding and 30 preceding
        ) as health_score_30d_before
    from weighted_scores
),

thresholds as (
    {{ health_thresholds_pivot(ref('health_category_thresholds')) }}
),

{#- the quantile rule places each score among the day's; the fixed rule needs no window -#}
{%- if rule == 'quantile' %}

ranked as (
    -- among the customers with a score that day: how many score strictly lower / higher,
    -- taken on the rows themselves (no join back): a row without a score counts in no
    -- window, as count skips nulls and nulls sort last
    select
        scored.*,
        count(scored.health_score) over (partition by scored.as_of_date) as scored_customers,
        rank() over (
            partition by scored.as_of_date order by scored.health_score nulls last
        ) - 1 as scored_lower,
        -- the running count (default frame: up to the current row's last peer) counts the
        -- rows scoring lower or equal
        count(scored.health_score) over (partition by scored.as_of_date)
        - count(scored.health_score) over (
            partition by scored.as_of_date order by scored.health_score nulls last
        ) as scored_higher
    from scored
    where scored.is_scored_day
),
{%- endif %}

categorised as (
    select
        day_scores.*,
        case
            when day_scores.health_score is null then null
            {%- if rule == 'quantile' %}
                when
                    day_scores.scored_higher
                    >= (1 - thresholds.unhealthy_bottom_share) * day_scores.scored_customers
                    then 'unhealthy'
                when
                    day_scores.scored_lower
                    >= (1 - thresholds.healthy_top_share) * day_scores.scored_customers
                    then 'healthy'
            {%- else %}
                when day_scores.health_score < thresholds.unhealthy_below_score
                    then 'unhealthy'
                when day_scores.health_score >= thresholds.healthy_min_score then 'healthy'
            {%- endif %}
            else 'at_risk'
        end as health_category
    from {{ 'ranked' if rule == 'quantile' else 'scored' }} as day_scores
    cross join thresholds
    where day_scores.is_scored_day
),

contributions as (
    -- pull of each component against a neutral 50, weight included:
    -- (score - 50) * weight / coverage; they add up to health_score - 50. Computed on the
    -- scored rows themselves (no join back): without coverage every contribution is null
    select
        {%- for component in components_list %}
            case
                when
                    categorised.{{ component }}_score is not null
                    and categorised.{{ component }}_weight > 0
                    then
                        (categorised.{{ component }}_score - 50)
                        * categorised.{{ component }}_weight / categorised.coverage
            end as {{ component }}_contribution,
        {%- endfor %}
        categorised.*
    from categorised
),

extremes as (
    select
        contributions.*,
        {{ health_extreme_contribution('least') }} as lowest_contribution,
        {{ health_extreme_contribution('greatest') }} as highest_contribution
    from contributions
),

drivers as (
    -- the component with the lowest (highest) contribution when it is negative (positive);
    -- ties: the first in the components' order
    select
        extremes.*,
        case
            when extremes.lowest_contribution < 0
                then case
                    {%- for component in components_list %}
                        when
                            extremes.{{ component }}_contribution
                            = extremes.lowest_contribution
                            then '{{ component }}'
                    {%- endfor %}
                end
        end as top_negative_driver,
        case
            when extremes.highest_contribution > 0
                then case
                    {%- for component in components_list %}
                        when
                            extremes.{{ component }}_contribution
                            = extremes.highest_contribution
                            then '{{ component }}'
                    {%- endfor %}
                end
        end as top_positive_driver
    from extremes
),

fingerprint as (
    select {{ health_fingerprint('score') }} as config_fingerprint
),

final as (
    select
        cast(drivers.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(drivers.as_of_date as date) as as_of_date,
        cast(drivers.segment as {{ dbt.type_string() }}) as segment,
        cast(drivers.scorecard as {{ dbt.type_string() }}) as scorecard,
        {%- for component in components_list %}
            cast(drivers.{{ component }}_score as {{ pulse_type_double() }})
                as {{ component }}_score,
        {%- endfor %}
        cast(drivers.health_score as {{ pulse_type_double() }}) as health_score,
        cast(drivers.coverage as {{ pulse_type_double() }}) as coverage,
        cast(drivers.components_with_data as {{ dbt.type_int() }}) as components_with_data,
        cast(drivers.health_category as {{ dbt.type_string() }}) as health_category,
        cast({{ health_color('drivers.health_category') }} as {{ dbt.type_string() }})
            as health_color,
        cast(drivers.health_score - drivers.health_score_30d_before as {{ pulse_type_double() }})
            as score_change_30d,
        cast(drivers.top_negative_driver as {{ dbt.type_string() }}) as top_negative_driver,
        cast(drivers.top_positive_driver as {{ dbt.type_string() }}) as top_positive_driver,
        cast(drivers.mrr as decimal(18, 4)) as mrr,
        cast(fingerprint.config_fingerprint as {{ dbt.type_string() }}) as config_fingerprint
    from drivers
    cross join fingerprint
)

select * from final
