{#-
    Formulas of the customer-experience marts. Arguments are SQL expressions (usually
    qualified columns). Every rate is a double, a percent when its name says _pct, never
    rounded. z = 1.96 (95% two-sided, normal quantile).

    pulse_ratio(numerator, denominator) -> numerator / denominator as a double; null when the
        denominator is 0 or null (never infinity, never integer division).
    pulse_pct(numerator, denominator) -> 100 * pulse_ratio(...).

    pulse_csat_is_satisfied(score, scale_max) -> boolean: score >= ceil(share * scale_max),
        share = var('csat_satisfied_share') (0.8: 4-5 of 5, 6-7 of 7, 8-10 of 10). Computed in
        decimal arithmetic, so 0.7 * 10 is exactly 7 (in floating point it is 7.000000000000001
        and the ceiling would be 8).
    pulse_nps_category(score) -> 'promoter' (9-10), 'passive' (7-8) or 'detractor' (0-6). Only
        for responses on the 0..10 scale.
    pulse_ces_score_7pt(score, scale_max) -> double: the score mapped linearly onto the 7-point
        reference scale, 1 + (score - 1) * 6 / (scale_max - 1); the score itself on a 7-point
        scale. Needs scale_max >= 2.
    pulse_ces_is_easy(score, scale_max) -> boolean: the response is in the top
        var('ces_easy_top_boxes') (3) boxes of the 7-point scale, or the same share of any
        other scale: score / scale_max >= (8 - top_boxes) / 7, in integer arithmetic
        (score * 7 >= (8 - top_boxes) * scale_max). 7 points: 5-7; 5 points: 4-5; 10 points:
        8-10.

    pulse_wilson_pct(successes, n, bound) -> the 95% Wilson score interval of the proportion
        successes / n, in percent; bound 'low' or 'high'. With p = successes / n:
            (p + z^2 / 2n -/+ z * sqrt(p (1 - p) / n + z^2 / 4n^2)) / (1 + z^2 / n).
        Null when n = 0. At the edges the bound is set exactly (low = 0 when successes = 0,
        high = 100 when successes = n: the formula gives them up to rounding, e.g.
        99.99999999999999), and the result is clamped to [0, 100] against floating-point noise.
    pulse_nps(promoters, detractors, n) -> 100 * (promoters - detractors) / n; null when n = 0.
    pulse_nps_margin_of_error(promoters, detractors, n) -> the 95% margin of error of the NPS,
        in NPS points: 1.96 * 100 * sqrt((p + d - (p - d)^2) / n), p and d the promoter and
        detractor shares (the variance of a +1/0/-1 score). Null when n = 0. The marts also
        give nps -/+ this margin, clamped to [-100, 100], as nps_ci_low / nps_ci_high.
    Note: greatest()/least() skip nulls on DuckDB and Postgres, so every clamp sits inside a
    `case when n > 0` (a cell without responses gets null, not the clamp bound).
    pulse_mean_ci(mean, stddev, n, bound, min_value, max_value) -> normal-approximation 95%
        interval of a mean: mean -/+ 1.96 * stddev / sqrt(n) (stddev: the sample standard
        deviation), clamped to [min_value, max_value] (the scale). Null when n < 2.
-#}

{% macro pulse_z95() -%}
    cast(1.96 as {{ pulse_type_double() }})
{%- endmacro %}


{% macro pulse_ratio(numerator, denominator) -%}
    (cast({{ numerator }} as {{ pulse_type_double() }}) / nullif({{ denominator }}, 0))
{%- endmacro %}


{% macro pulse_pct(numerator, denominator) -%}
    (100 * {{ pulse_ratio(numerator, denominator) }})
{%- endmacro %}


{% macro pulse_csat_is_satisfied(score, scale_max) -%}
    (
        {{ score }}
        >= ceil(cast({{ var('csat_satisfied_share') }} as decimal(9, 6)) * {{ scale_max }})
    )
{%- endmacro %}


{% macro pulse_nps_category(score) -%}
    case
        when {{ score }} >= 9 then 'promoter'
        when {{ score }} >= 7 then 'passive'
        else 'detractor'
    end
{%- endmacro %}


{% macro pulse_ces_score_7pt(score, scale_max) -%}
    (1 + cast({{ score }} - 1 as {{ pulse_type_double() }}) * 6 / ({{ scale_max }} - 1))
{%- endmacro %}


{% macro pulse_ces_is_easy(score, scale_max) -%}
    ({{ score }} * 7 >= (8 - {{ var('ces_easy_top_boxes') | int }}) * {{ scale_max }})
{%- endmacro %}


{% macro pulse_wilson_pct(successes, n, bound) -%}
    {%- if bound not in ['low', 'high'] -%}
        {{ exceptions.raise_compiler_error("pulse_wilson_pct: bound must be 'low' or 'high'") }}
    {%- endif -%}
    {%- set z = pulse_z95() -%}
    {%- set p = pulse_ratio(successes, n) -%}
    case
        when {{ n }} > 0 and {{ successes }} = {{ '0' if bound == 'low' else n }}
            then {{ '0' if bound == 'low' else '100' }}
        when {{ n }} > 0
            then {{ 'greatest(0, ' if bound == 'low' else 'least(100, ' }}100 * (
                {{ p }} + {{ z }} * {{ z }} / (2 * {{ n }})
                {{ '-' if bound == 'low' else '+' }} {{ z }} * sqrt(
                    {{ p }} * (1 - {{ p }}) / {{ n }}
                    + {{ z }} * {{ z }} / (4 * {{ n }} * {{ n }})
                )
            ) / (1 + {{ z }} * {{ z }} / {{ n }}))
    end
{%- endmacro %}


{% macro pulse_nps(promoters, detractors, n) -%}
    {{ pulse_pct('(' ~ promoters ~ ' - ' ~ detractors ~ ')', n) }}
{%- endmacro %}


{% macro pulse_nps_margin_of_error(promoters, detractors, n) -%}
    {%- set p = pulse_ratio(promoters, n) -%}
    {%- set d = pulse_ratio(detractors, n) -%}
    case
        when {{ n }} > 0
            then {{ pulse_z95() }} * 100 * sqrt(
                greatest(0, {{ p }} + {{ d }} - ({{ p }} - {{ d }}) * ({{ p }} - {{ d }}))
                / {{ n }}
            )
    end
{%- endmacro %}


{% macro pulse_mean_ci(mean, stddev, n, bound, min_value, max_value) -%}
    {%- if bound not in ['low', 'high'] -%}
        {{ exceptions.raise_compiler_error("pulse_mean_ci: bound must be 'low' or 'high'") }}
    {%- endif -%}
    case
        when {{ n }} >= 2
            then {{ 'greatest(' ~ min_value if bound == 'low' else 'least(' ~ max_value }},
                {{ mean }} {{ '-' if bound == 'low' else '+' }} {{ pulse_z95() }} * {{ stddev }}
                / sqrt({{ n }}))
    end
{%- endmacro %}


{#-
    The measure columns of the CSAT / NPS / CES marts, from a row of int_survey_scores_monthly
    aliased `cells`. Shared by the by-segment, by-touchpoint and by-channel marts so the three
    cannot drift apart.
-#}
{% macro pulse_csat_measures(cells) -%}
    cast({{ cells }}.responses as {{ dbt.type_bigint() }}) as responses,
    cast({{ cells }}.satisfied_responses as {{ dbt.type_bigint() }}) as satisfied,
    {{ pulse_pct(cells ~ '.satisfied_responses', cells ~ '.responses') }} as csat_pct,
    {{ pulse_wilson_pct(cells ~ '.satisfied_responses', cells ~ '.responses', 'low') }}
        as csat_ci_low_pct,
    {{ pulse_wilson_pct(cells ~ '.satisfied_responses', cells ~ '.responses', 'high') }}
        as csat_ci_high_pct,
    {{ cells }}.responses < {{ var('min_responses') | int }} as is_low_sample,
    {{ cells }}.is_complete_month
{%- endmacro %}


{% macro pulse_nps_measures(cells) -%}
    {%- set n = cells ~ '.responses' -%}
    {%- set p = cells ~ '.promoters' -%}
    {%- set d = cells ~ '.detractors' -%}
    cast({{ n }} as {{ dbt.type_bigint() }}) as responses,
    cast({{ p }} as {{ dbt.type_bigint() }}) as promoters,
    cast({{ cells }}.passives as {{ dbt.type_bigint() }}) as passives,
    cast({{ d }} as {{ dbt.type_bigint() }}) as detractors,
    {{ pulse_nps(p, d, n) }} as nps,
    {{ pulse_nps_margin_of_error(p, d, n) }} as nps_margin_of_error,
    case
        when {{ n }} > 0
            then greatest(
                -100, {{ pulse_nps(p, d, n) }} - {{ pulse_nps_margin_of_error(p, d, n) }}
            )
    end as nps_ci_low,
    case
        when {{ n }} > 0
            then least(
                100, {{ pulse_nps(p, d, n) }} + {{ pulse_nps_margin_of_error(p, d, n) }}
            )
    end as nps_ci_high,
    {{ n }} < {{ var('min_responses') | int }} as is_low_sample,
    {{ cells }}.is_complete_month
{%- endmacro %}


{% macro pulse_ces_measures(cells) -%}
    {%- set n = cells ~ '.responses' -%}
    {%- set mean = pulse_ratio(cells ~ '.ces_score_sum', n) -%}
    {%- set stddev = 'cast(' ~ cells ~ '.ces_score_stddev as ' ~ pulse_type_double() ~ ')' -%}
    cast({{ n }} as {{ dbt.type_bigint() }}) as responses,
    cast({{ cells }}.easy_responses as {{ dbt.type_bigint() }}) as easy_responses,
    cast({{ cells }}.ces_score_sum as {{ pulse_type_double() }}) as ces_score_sum,
    {{ mean }} as ces_avg,
    {{ stddev }} as ces_stddev,
    {{ pulse_pct(cells ~ '.easy_responses', n) }} as ces_easy_pct,
    {{ pulse_mean_ci(mean, stddev, n, 'low', 1, 7) }} as ces_ci_low,
    {{ pulse_mean_ci(mean, stddev, n, 'high', 1, 7) }} as ces_ci_high,
    {{ n }} < {{ var('min_responses') | int }} as is_low_sample,
    {{ cells }}.is_complete_month
{%- endmacro %}
