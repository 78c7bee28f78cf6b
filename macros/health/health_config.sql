{#-
    Health score: the definitions every health model shares.

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

    health_fingerprint(layer) -> SQL scalar expression (varchar): a hash of everything that
        shapes one stored layer of the health history, the layer before it included:
          signals     the window vars and the ticket weights (int_health_signals_daily);
          points      + the normalisation and, with bands, the rows of
                      seeds/health_score_bands.csv (int_health_signal_points);
          components  + the inactivity deduction and the rows of seeds/health_signal_weights.csv
                      (int_health_components_daily);
          score       + the category rule and the rows of the seeds health_score_weights and
                      health_category_thresholds (fct_customer_health_daily).
        Each layer stamps it on every row; when a stored stamp differs from the current one, the
        next run recomputes that layer's whole history (macro health_day_range), and so every
        layer after it. Editing a weight therefore re-scores the history from the stored
        component scores without recomputing a signal, and a signal's weight re-computes the
        components from the stored points; editing a window recomputes everything.

        The bands are ordered with the open lower band first, spelled out: a bare `order by
        lower_bound` puts the null last on DuckDB and first on Spark.
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


{#- The vars each stored layer of the health history depends on: a change restates that layer
    and every layer after it (each layer's fingerprint includes the one before). -#}
{% macro health_layer_vars(layer) -%}
    {%- set by_layer = {
        'signals': [
            'health_usage_window_days', 'health_engagement_window_days',
            'health_satisfaction_window_days', 'health_support_window_days',
            'health_payments_window_days', 'health_advocacy_window_days',
            'health_renewal_window_days', 'health_support_priority_weights',
            'health_support_category_weights',
        ],
        'points': ['health_normalisation'],
        'components': ['health_inactivity_grace_days', 'health_inactivity_points_per_day'],
        'score': ['health_category_rule'],
    } -%}
    {{ return(by_layer[layer]) }}
{%- endmacro %}


{% macro health_fingerprint(layer) -%}
    {%- if layer not in ['signals', 'points', 'components', 'score'] -%}
        {{ exceptions.raise_compiler_error("health_fingerprint: unknown layer " ~ layer) }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for name in health_layer_vars(layer) -%}
        {%- do parts.append(name ~ '=' ~ tojson(var(name), sort_keys=true)) -%}
    {%- endfor -%}
    {%- set vars_hash = local_md5(parts | join(';')) -%}
    {%- if layer == 'signals' -%}
        '{{ vars_hash }}'
    {%- elif layer == 'points' -%}
        {%- set use_bands = var('health_normalisation') == 'bands' -%}
        (
            select {{ dbt.hash(
                health_fingerprint('signals') ~ " || '|" ~ vars_hash ~ "'"
                ~ (" || '|' || fp_bands.rows_text" if use_bands else "")
            ) }}
            {%- if use_bands %}
            from (
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
    {%- elif layer == 'components' -%}
        (
            select {{ dbt.hash(
                health_fingerprint('points') ~ " || '|" ~ vars_hash
                ~ "' || '|' || fp_signal_weights.rows_text"
            ) }}
            from (
                select
                    coalesce({{ pulse_listagg(
                        "fp_sw.signal || ':' || cast(fp_sw.weight as " ~ dbt.type_string() ~ ")",
                        ",",
                        ["fp_sw.signal"]
                    ) }}, '') as rows_text
                from {{ ref('health_signal_weights') }} as fp_sw
            ) as fp_signal_weights
        )
    {%- else -%}
        (
            select
                {{ dbt.hash(
                    health_fingerprint('components') ~ " || '|" ~ vars_hash
                    ~ "' || '|' || fp_weights.rows_text || '|' || fp_thresholds.rows_text"
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
        )
    {%- endif -%}
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
