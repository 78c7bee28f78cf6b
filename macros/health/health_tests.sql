{#-
    Generic tests of the health-score seeds. Each returns the failing rows.

    health_weights_sum_to_one(model, tolerance=0.000001)
        Model-level, on seeds/health_score_weights.csv: one row per scorecard whose weights do
        not sum to 1 (within tolerance), and a row when no `default` scorecard exists (every
        customer whose segment has no scorecard of its own falls back to it).

    health_signal_weights_valid(model)
        Model-level, on seeds/health_signal_weights.csv: one row per problem: a signal of
        health_signals() not listed, a listed signal that is not one, a signal filed under
        another component than its own, a negative weight, a component whose weights sum to 0
        (it could never have a value).

    health_bands_tile(model)
        Model-level, on seeds/health_score_bands.csv: per signal, the bands ordered by
        lower_bound tile the whole line: the first has an empty lower_bound, the last an empty
        upper_bound, each upper_bound equals the next band's lower_bound, and lower < upper.
        Also one row per signal of health_signals() that has no band at all.

    health_thresholds_valid(model)
        Model-level, on seeds/health_category_thresholds.csv: the four parameters exist
        (quantile healthy_top_share and unhealthy_bottom_share in [0, 1] with a sum <= 1;
        fixed unhealthy_below_score <= healthy_min_score, both in [0, 100]).
-#}

{% test health_weights_sum_to_one(model, tolerance=0.000001) %}

with

totals as (
    select
        scorecard,
        sum(weight) as total_weight
    from {{ model }}
    group by scorecard
),

bad_totals as (
    select
        scorecard,
        total_weight,
        'weights do not sum to 1' as problem
    from totals
    where abs(total_weight - 1) > {{ tolerance }}
),

missing_default as (
    select
        'default' as scorecard,
        cast(null as {{ pulse_type_double() }}) as total_weight,
        'no default scorecard' as problem
    from (select count(*) as n from totals where scorecard = 'default') as defaults
    where defaults.n = 0
)

select * from bad_totals
union all
select * from missing_default

{% endtest %}


{% test health_signal_weights_valid(model) %}

with

expected as (
    {%- for signal in health_signals() %}
    select
        '{{ signal.signal }}' as signal,
        '{{ signal.component }}' as component
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

listed as (
    select
        signal,
        component,
        weight
    from {{ model }}
),

problems as (
    select
        expected.signal,
        'signal not listed' as problem
    from expected
    left join listed on expected.signal = listed.signal
    where listed.signal is null
    union all
    select
        listed.signal,
        case
            when expected.signal is null then 'not a health signal'
            else 'filed under another component'
        end as problem
    from listed
    left join expected on listed.signal = expected.signal
    where expected.signal is null or expected.component != listed.component
    union all
    select
        signal,
        'negative weight' as problem
    from listed
    where weight < 0
    union all
    select
        expected.component as signal,
        'component weights sum to 0' as problem
    from expected
    left join listed on expected.signal = listed.signal
    group by expected.component
    having coalesce(sum(listed.weight), 0) <= 0
)

select * from problems

{% endtest %}


{% test health_bands_tile(model) %}

with

ordered as (
    select
        signal,
        lower_bound,
        upper_bound,
        row_number() over (
            partition by signal order by coalesce(lower_bound, -1e300)
        ) as band_number,
        count(*) over (partition by signal) as bands,
        lead(lower_bound) over (
            partition by signal order by coalesce(lower_bound, -1e300)
        ) as next_lower_bound
    from {{ model }}
),

broken as (
    select
        signal,
        band_number,
        'bands do not tile the line' as problem
    from ordered
    where
        (band_number = 1 and lower_bound is not null)
        or (band_number = bands and upper_bound is not null)
        or (band_number < bands and (upper_bound is null or upper_bound <> next_lower_bound))
        or (band_number > 1 and lower_bound is null)
        or (lower_bound is not null and upper_bound is not null and lower_bound >= upper_bound)
),

expected_signals as (
    {%- for signal in health_signal_names() %}
    select '{{ signal }}' as signal
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

missing as (
    select
        expected_signals.signal,
        0 as band_number,
        'signal has no bands' as problem
    from expected_signals
    left join (select distinct signal from {{ model }}) as present
        on expected_signals.signal = present.signal
    where present.signal is null
)

select * from broken
union all
select * from missing

{% endtest %}


{% test health_thresholds_valid(model) %}

with

parameters as (
    {{ health_thresholds_pivot(model) }}
)

select *
from parameters
where
    not coalesce(
        healthy_top_share between 0 and 1
        and unhealthy_bottom_share between 0 and 1
        and healthy_top_share + unhealthy_bottom_share <= 1
        and healthy_min_score between 0 and 100
        and unhealthy_below_score between 0 and 100
        and unhealthy_below_score <= healthy_min_score,
        false
    )

{% endtest %}


{#-
    health_same_customers(model, compare_model, compare_where=none)
        Model-level: the set of customer_id in model equals the set in compare_model
        (filtered by compare_where). Fails with one row per customer on one side only. E.g.
        dim_customer_health holds exactly the customers active on the as-of date.
-#}
{% test health_same_customers(model, compare_model, compare_where=none) %}

with

model_customers as (
    select distinct customer_id from {{ model }}
),

compare_customers as (
    select distinct customer_id from {{ compare_model }}
    {%- if compare_where %}
    where {{ compare_where }}
    {%- endif %}
)

select
    coalesce(model_customers.customer_id, compare_customers.customer_id) as customer_id,
    case
        when compare_customers.customer_id is null then 'only in model'
        else 'only in compare_model'
    end as problem
from model_customers
full outer join compare_customers
    on model_customers.customer_id = compare_customers.customer_id
where model_customers.customer_id is null or compare_customers.customer_id is null

{% endtest %}
