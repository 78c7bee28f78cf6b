-- Does the score predict churn? One row per month of int_health_backtest_base (the score of
-- every customer active on the month's first day against churn within the next
-- var('health_backtest_horizon_days') days) and one row `all` pooling every such month.
-- AUC: the Mann-Whitney statistic with ties averaged, risk = lower score: the probability
-- that a customer who stayed scored higher than one who churned (0.5 = no better than
-- chance). Churn rate per category; unhealthy_churns_more flags a score that works.
with

base as (
    select
        cast({{ dbt.concat([
            "cast(extract(year from month_start) as " ~ dbt.type_string() ~ ")",
            "'-'",
            "case when extract(month from month_start) < 10 then '0' else '' end",
            "cast(extract(month from month_start) as " ~ dbt.type_string() ~ ")",
        ]) }} as {{ dbt.type_string() }}) as period,
        month_start,
        health_score,
        health_category,
        churned
    from {{ ref('int_health_backtest_base') }}
),

periods as (
    select
        period,
        month_start,
        health_score,
        health_category,
        churned
    from base
    union all
    select
        'all' as period,
        cast(null as date) as month_start,
        health_score,
        health_category,
        churned
    from base
),

ranked as (
    -- average rank of the score within the period (ties share the mean of their ranks)
    select
        period,
        month_start,
        health_score,
        health_category,
        churned,
        -- lowest rank of the ties (rank) and highest (running count, peers included)
        (
            rank() over (partition by period order by health_score)
            + count(*) over (partition by period order by health_score)
        ) / cast(2 as {{ pulse_type_double() }}) as score_rank
    from periods
),

totals as (
    select
        period,
        min(month_start) as month_start,
        count(*) as customers,
        sum(case when churned then 1 else 0 end) as churned_customers,
        sum(case when not churned then 1 else 0 end) as retained_customers,
        {%- for category in ['healthy', 'at_risk', 'unhealthy'] %}
            sum(case when health_category = '{{ category }}' then 1 else 0 end)
                as {{ category }}_customers,
            sum(case when health_category = '{{ category }}' and churned then 1 else 0 end)
                as {{ category }}_churned,
        {%- endfor %}
        sum(case when not churned then score_rank else 0 end) as retained_rank_sum
    from ranked
    group by period
),

final as (
    select
        period,
        month_start,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        cast(churned_customers as {{ dbt.type_bigint() }}) as churned_customers,
        cast({{ pulse_pct('churned_customers', 'customers') }} as {{ pulse_type_double() }})
            as churn_rate_pct,
        cast(case
            when churned_customers > 0 and retained_customers > 0
                then (
                    retained_rank_sum
                    - retained_customers
                    * (retained_customers + 1)
                    / cast(2 as {{ pulse_type_double() }})
                ) / (cast(retained_customers as {{ pulse_type_double() }}) * churned_customers)
        end as {{ pulse_type_double() }}) as auc,
        {%- for category in ['healthy', 'at_risk', 'unhealthy'] %}
            cast({{ category }}_customers as {{ dbt.type_bigint() }}) as {{ category }}_customers,
            cast({{ category }}_churned as {{ dbt.type_bigint() }}) as {{ category }}_churned,
            cast(
                {{ pulse_pct(category ~ '_churned', category ~ '_customers') }}
                as {{ pulse_type_double() }}
            ) as {{ category }}_churn_rate_pct,
        {%- endfor %}
        coalesce(
            {{ pulse_pct('unhealthy_churned', 'unhealthy_customers') }}
            > {{ pulse_pct('healthy_churned', 'healthy_customers') }},
            false
        ) as unhealthy_churns_more
    from totals
)

select * from final
