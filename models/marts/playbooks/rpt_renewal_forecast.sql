-- Renewals coming up: one row per subscription active on the as-of date whose next renewal
-- falls within var('playbook_renewal_horizon_days') days after it (as-of date excluded: a
-- renewal on that day has happened), with the MRR it should bring if it renews.
-- Next renewal: the first date anchor + k x interval (k >= 0) after the as-of date, where
-- anchor = renews_at when the billing system exported one (an old export's date is rolled
-- forward), else started_at; interval = 12 months for billing_interval 'year', else 1 month
-- (an empty interval is monthly, as the demo bills). Month ends clamp (Jan 31 -> Feb 28/29).
-- A subscription that ends on or before that date does not renew and is left out.
-- Expected renewal MRR = mrr x (1 - churn rate of the customer's health category), the
-- rate of rpt_health_score_backtest (period 'all': customers of that category on a month's
-- first day that churned within var('health_backtest_horizon_days') days); a customer
-- without a category (no score) takes the overall churn rate.
{%- set horizon_days = var('playbook_renewal_horizon_days') | int %}
with

subscriptions as (
    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.plan,
        subscriptions.mrr,
        subscriptions.started_at,
        subscriptions.ended_at,
        subscriptions.renews_at,
        coalesce(subscriptions.billing_interval, 'month') as billing_interval,
        coalesce(subscriptions.renews_at, subscriptions.started_at) as anchor_date,
        case when subscriptions.billing_interval = 'year' then 12 else 1 end as step_months
    from {{ ref('stg_billing__subscriptions') }} as subscriptions
    where
        {{ pulse_subscription_is_effective('subscriptions') }}
        and {{ pulse_subscription_active_on('subscriptions', pulse_as_of_date()) }}
),

stepped as (
    -- k: whole intervals from the anchor to the as-of month (never negative: an exported
    -- renews_at ahead of the as-of date is the next renewal itself)
    select
        subscriptions.*,
        cast(greatest(
            -- the month difference in parentheses: on Spark dbt.datediff by month is a sum of
            -- two terms, and the division would bind to the second only
            floor(
                ({{ dbt.datediff('subscriptions.anchor_date', pulse_as_of_date(), 'month') }})
                / cast(subscriptions.step_months as {{ pulse_type_double() }})
            ),
            0
        ) as {{ dbt.type_int() }}) as steps
    from subscriptions
),

candidates as (
    select
        stepped.*,
        cast({{ dbt.dateadd('month', 'steps * step_months', 'anchor_date') }} as date)
            as candidate_date,
        cast({{ dbt.dateadd('month', '(steps + 1) * step_months', 'anchor_date') }} as date)
            as next_candidate_date
    from stepped
),

renewals as (
    select
        candidates.*,
        case
            when candidates.candidate_date > {{ pulse_as_of_date() }}
                then candidates.candidate_date
            else candidates.next_candidate_date
        end as renewal_date
    from candidates
),

in_horizon as (
    select * from renewals
    where
        renewal_date <= {{ dbt.dateadd('day', horizon_days, pulse_as_of_date()) }}
        and (ended_at is null or ended_at > renewal_date)
),

health as (
    select
        customer_id,
        health_category
    from {{ ref('dim_customer_health') }}
),

backtest as (
    select
        churn_rate_pct,
        healthy_churn_rate_pct,
        at_risk_churn_rate_pct,
        unhealthy_churn_rate_pct
    from {{ ref('rpt_health_score_backtest') }}
    where period = 'all'
),

customers as (
    select
        customer_id,
        company_name,
        segment
    from {{ ref('int_customers') }}
),

rated as (
    select
        in_horizon.*,
        customers.company_name,
        coalesce(customers.segment, 'unknown') as segment,
        health.health_category,
        case health.health_category
            when 'healthy' then backtest.healthy_churn_rate_pct
            when 'at_risk' then backtest.at_risk_churn_rate_pct
            when 'unhealthy' then backtest.unhealthy_churn_rate_pct
            else backtest.churn_rate_pct
        end as churn_rate_pct
    from in_horizon
    left join health on in_horizon.customer_id = health.customer_id
    left join customers on in_horizon.customer_id = customers.customer_id
    cross join backtest
),

final as (
    select
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(company_name as {{ dbt.type_string() }}) as company_name,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast({{ pulse_as_of_date() }} as date) as as_of_date,
        cast({{ finance_reporting_currency() }} as {{ dbt.type_string() }})
            as reporting_currency,
        cast(plan as {{ dbt.type_string() }}) as plan,
        cast(billing_interval as {{ dbt.type_string() }}) as billing_interval,
        cast(started_at as date) as started_at,
        cast(renews_at as date) as renews_at,
        cast(case
            when renews_at is not null then 'renews_at'
            when step_months = 12 then 'annual_anniversary'
            else 'monthly_anniversary'
        end as {{ dbt.type_string() }}) as renewal_basis,
        cast(renewal_date as date) as renewal_date,
        {{ finance_days_between(pulse_as_of_date(), 'renewal_date') }} as days_to_renewal,
        cast(health_category as {{ dbt.type_string() }}) as health_category,
        cast(mrr as decimal(18, 4)) as mrr,
        cast(churn_rate_pct as {{ pulse_type_double() }}) as churn_rate_pct,
        cast(mrr * (1 - churn_rate_pct / 100.0) as decimal(18, 4)) as expected_renewal_mrr
    from rated
)

select * from final
