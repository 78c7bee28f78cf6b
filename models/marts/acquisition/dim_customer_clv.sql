-- Customer lifetime value, one row per customer that has had an active subscription up to the
-- as-of date. Formula (documented in _acquisition__models.yml):
--   rate_months         = greatest(tenure_months, 1)
--   avg_monthly_revenue = historical_revenue / rate_months
--                       = avg_invoice_amount * invoices_per_year / 12 (with a paid invoice)
--   clv                 = avg_monthly_revenue * gross margin * expected_lifetime_months
--   fully_loaded_cac    = channel_cac + the ledger's acquisition costs of the window spread
--                         evenly over all its new customers (int_acquisition_costs_trailing)
--   is_*cac_above_clv   = the CAC is known and above the CLV: each such customer loses money
-- historical_revenue and paid_invoices come from the payments (int_customer_revenue).
with

activity as (
    select * from {{ ref('int_customer_activity') }}
),

revenue as (
    select * from {{ ref('int_customer_revenue') }}
),

segment_churn as (
    select * from {{ ref('int_segment_churn_trailing') }}
),

channel_cac as (
    select * from {{ ref('int_channel_cac_trailing') }}
),

ledger_costs as (
    select * from {{ ref('int_acquisition_costs_trailing') }}
),

base as (
    select
        activity.customer_id,
        activity.segment,
        activity.acquisition_channel,
        activity.first_started_at,
        activity.is_active,
        activity.current_mrr,
        cast(activity.tenure_days as {{ pulse_type_double() }}) / 30.4375 as tenure_months,
        coalesce(revenue.paid_invoices, 0) as paid_invoices,
        cast(coalesce(revenue.historical_revenue, 0) as decimal(18, 4)) as historical_revenue,
        segment_churn.monthly_logo_churn_rate,
        segment_churn.expected_lifetime_months,
        channel_cac.cac as channel_cac,
        channel_cac.cac + ledger_costs.ledger_cost_per_new_customer as fully_loaded_cac
    from activity
    left join revenue on activity.customer_id = revenue.customer_id
    left join segment_churn on activity.segment = segment_churn.segment
    left join channel_cac on activity.acquisition_channel = channel_cac.channel
    cross join ledger_costs
),

rates as (
    select
        *,
        case when tenure_months > 1 then tenure_months else 1 end as rate_months,
        cast({{ var('clv_gross_margin') }} as {{ pulse_type_double() }}) as gross_margin
    from base
),

values_per_customer as (
    select
        *,
        {{ pulse_ratio('historical_revenue', 'rate_months') }} as avg_monthly_revenue
    from rates
),

clv_per_customer as (
    select
        *,
        avg_monthly_revenue * gross_margin * expected_lifetime_months as clv
    from values_per_customer
),

final as (
    select
        customer_id,
        segment,
        acquisition_channel,
        first_started_at,
        is_active,
        current_mrr,
        tenure_months,
        cast(paid_invoices as {{ dbt.type_bigint() }}) as paid_invoices,
        historical_revenue,
        {{ pulse_ratio('historical_revenue', 'paid_invoices') }} as avg_invoice_amount,
        {{ pulse_ratio('paid_invoices * 12', 'rate_months') }} as invoices_per_year,
        avg_monthly_revenue,
        gross_margin,
        100 * monthly_logo_churn_rate as segment_monthly_logo_churn_rate_pct,
        expected_lifetime_months,
        clv,
        channel_cac,
        {{ pulse_ratio(
            'avg_monthly_revenue * gross_margin * expected_lifetime_months', 'channel_cac'
        ) }} as ltv_to_cac,
        {{ pulse_ratio('channel_cac', 'avg_monthly_revenue * gross_margin') }}
            as cac_payback_months,
        fully_loaded_cac,
        {{ pulse_ratio('clv', 'fully_loaded_cac') }} as ltv_to_fully_loaded_cac,
        coalesce(channel_cac > clv, false) as is_cac_above_clv,
        coalesce(fully_loaded_cac > clv, false) as is_fully_loaded_cac_above_clv
    from clv_per_customer
)

select * from final
