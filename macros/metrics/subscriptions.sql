{#-
    Subscription rules of the retention marts (the landing contract: a subscription is active
    on day d when started_at <= d < ended_at, or ended_at is empty).

    pulse_subscription_active_on(alias, day_expr) -> boolean: the subscription `alias` is
        active on the day day_expr.

    pulse_subscription_is_effective(alias) -> boolean: the subscription counts for the
        retention figures as of pulse_as_of_date(): it started on or before the as-of date (a
        later start is not known "today") and it was active on at least one day (ended_at is
        empty or after started_at; a subscription ending the day it starts never was).
-#}

{% macro pulse_subscription_active_on(alias, day_expr) -%}
    (
        {{ alias }}.started_at <= {{ day_expr }}
        and ({{ alias }}.ended_at is null or {{ alias }}.ended_at > {{ day_expr }})
    )
{%- endmacro %}


{% macro pulse_subscription_is_effective(alias) -%}
    (
        {{ alias }}.started_at <= {{ pulse_as_of_date() }}
        and ({{ alias }}.ended_at is null or {{ alias }}.ended_at > {{ alias }}.started_at)
    )
{%- endmacro %}
