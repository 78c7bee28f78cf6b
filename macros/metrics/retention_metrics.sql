{#-
    Rates of the churn marts (fct_churn_monthly per segment, fct_churn_company_monthly over
    all segments), in percent, null when the denominator is 0 (pulse_pct). Arguments are SQL
    expressions of counts and MRR summed over the cell: a rate is always computed from the
    cell's own sums, never averaged from finer cells' rates.

    pulse_logo_churn_rate_pct(churned_customers, customers_at_start)
        -> 100 * churned_customers / customers_at_start.
    pulse_gross_revenue_retention_pct(mrr_at_start, contraction_mrr, churned_mrr)
        -> 100 * (mrr_at_start - contraction_mrr - churned_mrr) / mrr_at_start.
    pulse_net_revenue_retention_pct(mrr_at_start, expansion_mrr, contraction_mrr, churned_mrr)
        -> 100 * (mrr_at_start + expansion_mrr - contraction_mrr - churned_mrr) / mrr_at_start.
    pulse_churn_measures()
        -> the churn marts' columns after their keys: the counts, the logo churn rate, the MRR
           movements and the two retention rates, from a relation with the count and MRR
           columns of the same names. One column list, so the segment and company marts
           cannot drift apart.
-#}

{% macro pulse_logo_churn_rate_pct(churned_customers, customers_at_start) -%}
    {{ pulse_pct(churned_customers, customers_at_start) }}
{%- endmacro %}


{% macro pulse_gross_revenue_retention_pct(mrr_at_start, contraction_mrr, churned_mrr) -%}
    {{ pulse_pct(
        '(' ~ mrr_at_start ~ ' - ' ~ contraction_mrr ~ ' - ' ~ churned_mrr ~ ')', mrr_at_start
    ) }}
{%- endmacro %}


{% macro pulse_net_revenue_retention_pct(
    mrr_at_start, expansion_mrr, contraction_mrr, churned_mrr
) -%}
    {{ pulse_pct(
        '(' ~ mrr_at_start ~ ' + ' ~ expansion_mrr ~ ' - ' ~ contraction_mrr
        ~ ' - ' ~ churned_mrr ~ ')',
        mrr_at_start
    ) }}
{%- endmacro %}


{% macro pulse_churn_measures() -%}
    customers_at_start,
    new_customers,
    new_customers_at_end,
    churned_customers,
    reactivated_customers,
    customers_at_end,
    {{ pulse_logo_churn_rate_pct('churned_customers', 'customers_at_start') }}
        as logo_churn_rate_pct,
    mrr_at_start,
    new_mrr,
    expansion_mrr,
    contraction_mrr,
    churned_mrr,
    reactivation_mrr,
    mrr_at_end,
    {{ pulse_gross_revenue_retention_pct('mrr_at_start', 'contraction_mrr', 'churned_mrr') }}
        as gross_revenue_retention_pct,
    {{ pulse_net_revenue_retention_pct(
        'mrr_at_start', 'expansion_mrr', 'contraction_mrr', 'churned_mrr'
    ) }} as net_revenue_retention_pct
{%- endmacro %}
