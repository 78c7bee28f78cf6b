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
