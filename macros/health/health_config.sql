{#-
    Health score (issue 4): the definitions every health model shares.

    health_components() -> list of the seven component names, in their fixed order (the order
        also breaks ties between drivers): usage, engagement, satisfaction, support, payments,
        advocacy, renewal. A component `c` is the column `c_score` of the health models and
        the `component` value of seeds/health_score_weights.csv.

    health_signals() -> list of the raw sub-signals, each a dict
        {signal, component, higher_is_better}. `signal` is a column of
        int_health_signals_daily and the `signal` value of seeds/health_score_bands.csv. Each
        sub-signal becomes 0-100 points (percentile or bands); a component is the mean of the
        points of its sub-signals that have a value (usage minus the inactivity deduction).

    health_signal_names() -> the `signal` values of health_signals(), in order.

    health_config_fingerprint() -> SQL scalar expression (varchar): a hash of everything that
        shapes a score: the health vars below and the rows of the seeds health_score_weights,
        health_category_thresholds (and health_score_bands when var('health_normalisation') is
        `bands`). fct_customer_health_daily stamps it on every row; when the stored stamp
        differs from the current one, the next run re-computes the whole history (so editing a
        seed and re-running `dbt build` restates every day, no --full-refresh needed).

        The bands are ordered with the open lower band first, spelled out: a bare `order by
        lower_bound` puts the null last on DuckDB and first on Spark.

    health_existing_history() -> the relation of fct_customer_health_daily when it exists and
        the run is incremental (no --full-refresh), else none. Read by int_health_target_days
        to decide which days to (re)compute.
-#}

{% macro health_components() -%}
    {{ return(['usage', 'engagement', 'satisfaction', 'support', 'payments', 'advocacy', 'renewal']) }}
{%- endmacro %}


{% macro health_signals() -%}
    {{ return([
        {'signal': 'usage_active_days', 'component': 'usage', 'higher_is_better': true},
        {'signal': 'usage_logins', 'component': 'usage', 'higher_is_better': true},
        {'signal': 'usage_feature_breadth', 'component': 'usage', 'higher_is_better': true},
        {'signal': 'engagement_webinars', 'component': 'engagement', 'higher_is_better': true},
        {'signal': 'engagement_courses', 'component': 'engagement', 'higher_is_better': true},
        {'signal': 'engagement_survey_responses', 'component': 'engagement', 'higher_is_better': true},
        {'signal': 'satisfaction_score_pct', 'component': 'satisfaction', 'higher_is_better': true},
        {'signal': 'support_ticket_load', 'component': 'support', 'higher_is_better': false},
        {'signal': 'support_resolution_hours', 'component': 'support', 'higher_is_better': false},
        {'signal': 'payments_late_pct', 'component': 'payments', 'higher_is_better': false},
        {'signal': 'payments_avg_days_late', 'component': 'payments', 'higher_is_better': false},
        {'signal': 'payments_reminders_per_invoice', 'component': 'payments', 'higher_is_better': false},
        {'signal': 'payments_past_due_pct', 'component': 'payments', 'higher_is_better': false},
        {'signal': 'advocacy_nps', 'component': 'advocacy', 'higher_is_better': true},
        {'signal': 'advocacy_referrals', 'component': 'advocacy', 'higher_is_better': true},
        {'signal': 'advocacy_reviews', 'component': 'advocacy', 'higher_is_better': true},
        {'signal': 'renewal_tenure_days', 'component': 'renewal', 'higher_is_better': true},
        {'signal': 'renewal_mrr_change_pct', 'component': 'renewal', 'higher_is_better': true},
    ]) }}
{%- endmacro %}


{% macro health_signal_names() -%}
    {{ return(health_signals() | map(attribute='signal') | list) }}
{%- endmacro %}


{% macro health_config_fingerprint() -%}
    {%- set var_names = [
        'health_usage_window_days', 'health_engagement_window_days',
        'health_satisfaction_window_days', 'health_support_window_days',
        'health_payments_window_days', 'health_advocacy_window_days',
        'health_renewal_window_days', 'health_inactivity_grace_days',
        'health_inactivity_points_per_day', 'health_support_priority_weights',
        'health_support_category_weights', 'health_normalisation', 'health_category_rule',
    ] -%}
    {%- set parts = [] -%}
    {%- for name in var_names -%}
        {%- do parts.append(name ~ '=' ~ tojson(var(name), sort_keys=true)) -%}
    {%- endfor -%}
    {%- set vars_hash = local_md5(parts | join(';')) -%}
    {%- set use_bands = var('health_normalisation') == 'bands' -%}
    (
        select
            {{ dbt.hash(
                "'" ~ vars_hash ~ "' || '|' || fp_weights.rows_text || '|' || fp_thresholds.rows_text"
                ~ (" || '|' || fp_bands.rows_text" if use_bands else "")
            ) }}
        from
            (
                select
                    coalesce({{ pulse_listagg(
                        "fp_w.scorecard || ':' || fp_w.component || ':' || cast(fp_w.weight as "
                        ~ dbt.type_string() ~ ")",
                        ",",
                        ["fp_w.scorecard", "fp_w.component"]
                    ) }}, '') as rows_text
                from {{ ref('health_score_weights') }} as fp_w
            ) as fp_weights,
            (
                select
                    coalesce({{ pulse_listagg(
                        "fp_t.rule || ':' || fp_t.parameter || ':' || cast(fp_t.value as "
                        ~ dbt.type_string() ~ ")",
                        ",",
                        ["fp_t.rule", "fp_t.parameter"]
                    ) }}, '') as rows_text
                from {{ ref('health_category_thresholds') }} as fp_t
            ) as fp_thresholds
            {%- if use_bands %},
            (
                select
                    coalesce({{ pulse_listagg(
                        "fp_b.signal || ':' || coalesce(cast(fp_b.lower_bound as "
                        ~ dbt.type_string() ~ "), '') || ':' || coalesce(cast(fp_b.upper_bound as "
                        ~ dbt.type_string() ~ "), '') || ':' || cast(fp_b.points as "
                        ~ dbt.type_string() ~ ")",
                        ",",
                        ["fp_b.signal", "fp_b.lower_bound is not null", "fp_b.lower_bound"]
                    ) }}, '') as rows_text
                from {{ ref('health_score_bands') }} as fp_b
            ) as fp_bands
            {%- endif %}
    )
{%- endmacro %}


{% macro health_existing_history() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(pulse_node_relation('fct_customer_health_daily')) }}
{%- endmacro %}


{#-
    health_thresholds_pivot(relation) -> a select of one row from the thresholds seed
        (rule, parameter, value): healthy_top_share, unhealthy_bottom_share (quantile rule),
        healthy_min_score, unhealthy_below_score (fixed rule).
-#}
{% macro health_thresholds_pivot(relation) -%}
    select
        max(case when rule = 'quantile' and parameter = 'healthy_top_share' then value end)
            as healthy_top_share,
        max(case when rule = 'quantile' and parameter = 'unhealthy_bottom_share' then value end)
            as unhealthy_bottom_share,
        max(case when rule = 'fixed' and parameter = 'healthy_min_score' then value end)
            as healthy_min_score,
        max(case when rule = 'fixed' and parameter = 'unhealthy_below_score' then value end)
            as unhealthy_below_score
    from {{ relation }}
{%- endmacro %}
