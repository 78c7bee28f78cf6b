-- One row per customer and day on which the customer has an active subscription: the raw
-- signals of the seven health components over their trailing windows (vars
-- health_*_window_days, each ending on the day, inclusive). Incremental: a run computes the
-- days of macro health_day_range (the backfill, the new days, or everything when the window
-- vars changed) and replaces them.
-- Linear in customer-days plus events: every signal is a running total of the changes of
-- int_health_changes_* (each cause enters its window on its day and leaves it window-length
-- days later), summed per customer in a time-ordered pass over the changes (two streams: see
-- below), then attached to each customer-day with an as-of join per stream (the latest
-- change on or before the day). No event is joined to the days of its window.
-- Point in time: a day's signals use only what is dated on or before that day (events,
-- tickets created, responses, payments; a ticket not resolved by the end of the day counts as
-- open; an invoice not paid by the day counts as unpaid).
-- Null = no data for that signal (a component whose signals are all null has no data that day).
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **pulse_replace_days_config('as_of_date')
) }}

{%- set usage_days = var('health_usage_window_days') | int %}
{%- set renewal_days = var('health_renewal_window_days') | int %}
{%- set double = pulse_type_double() %}
{#- the running totals (and last_usage_day, a running max), by the change model that carries
    them, in two streams, each over its own change days: the product events (most of the
    change days, few totals) and the rest (few change days, most totals). One stream over all
    of them would carry every total on every change day: twice the window work. -#}
{%- set product_sources = {
    'int_health_changes_product': [
        'usage_active_days', 'usage_logins', 'usage_features', 'engagement_webinars',
        'engagement_courses', 'advocacy_referrals', 'advocacy_reviews', 'last_usage_day',
    ],
} %}
{%- set other_sources = {
    'int_health_changes_surveys': [
        'survey_responses', 'satisfaction_sum', 'satisfaction_responses', 'nps_sum',
        'nps_responses',
    ],
    'int_health_changes_tickets': [
        'tickets', 'ticket_load', 'open_tickets', 'open_created_minutes', 'resolved_minutes',
    ],
    'int_health_changes_invoices': [
        'invoices', 'invoice_amount', 'unpaid_invoices', 'unpaid_due_days', 'late_invoices',
        'past_due_amount', 'paid_days_late', 'reminders',
    ],
    'int_health_changes_renewal': ['reference_mrr'],
} %}
{#- carried as a running max (the latest such day), not summed -#}
{%- set latest_days = ['last_usage_day'] %}
{#- summed in their own type: money (decimals) and the columns that already are doubles -#}
{%- set own_type_totals = [
    'satisfaction_sum', 'ticket_load', 'invoice_amount', 'past_due_amount', 'reference_mrr'
] %}
{#- the stream (CTE) that carries each total -#}
{%- set stream_of = {} %}
{%- set streams = {'product_running': product_sources, 'other_running': other_sources} %}
{%- for stream, sources in streams.items() %}
    {%- for columns in sources.values() %}
        {%- for column in columns %}{% do stream_of.update({column: stream}) %}{% endfor %}
    {%- endfor %}
{%- endfor %}
{%- set totals = [] %}
{%- for column in stream_of if column not in latest_days %}
    {%- do totals.append(column) %}
{%- endfor %}

with

day_range as (
    {{ health_day_range(health_fingerprint('signals')) }}
),

mrr_steps as (
    select * from {{ ref('int_health_mrr_steps') }}
),

active_steps as (
    -- the stretches of each customer's active days that fall in the days computed
    select
        mrr_steps.customer_id,
        mrr_steps.mrr,
        mrr_steps.spell_start,
        mrr_steps.spell_start_mrr,
        case
            when mrr_steps.change_day > day_range.first_day then mrr_steps.change_day
            else day_range.first_day
        end as first_day,
        case
            when
                mrr_steps.next_change_day is not null
                and mrr_steps.next_change_day <= day_range.last_day
                then cast({{ dbt.dateadd('day', -1, 'mrr_steps.next_change_day') }} as date)
            else day_range.last_day
        end as last_day
    from mrr_steps
    cross join day_range
    where
        mrr_steps.active_subscriptions > 0
        and mrr_steps.change_day <= day_range.last_day
        and (
            mrr_steps.next_change_day is null
            or mrr_steps.next_change_day > day_range.first_day
        )
),

customer_days as (
    {{ health_expand_days('active_steps', 'first_day', 'last_day', [
        'customer_id', 'mrr', 'spell_start', 'spell_start_mrr'
    ]) }}
),

product_running as (
    -- the totals in force from each change day until the next one
    {{ health_running_totals(product_sources, 'day_range', own_type_totals, latest_days) }}
),

other_running as (
    {{ health_running_totals(other_sources, 'day_range', own_type_totals) }}
),

customers as (
    select
        customer_id,
        segment
    from {{ ref('int_customers') }}
),

signals as (
    select
        customer_days.customer_id,
        customer_days.as_of_date,
        customer_days.mrr,
        customer_days.spell_start,
        -- the renewal signal compares the MRR with renewal_days earlier, or with the spell's
        -- first day when it started since
        case
            when
                customer_days.spell_start
                > {{ dbt.dateadd('day', -1 * renewal_days, 'customer_days.as_of_date') }}
                then customer_days.spell_start_mrr
            else {{ stream_of['reference_mrr'] }}.reference_mrr
        end as reference_mrr,
        {%- for column in totals if column != 'reference_mrr' %}
            coalesce({{ stream_of[column] }}.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        {{ stream_of['last_usage_day'] }}.last_usage_day
    from customer_days
    {{ health_latest_change_join('product_running', 'customer_days') }}
    {{ health_latest_change_join('other_running', 'customer_days') }}
),

final as (
    select
        signals.customer_id,
        signals.as_of_date,
        coalesce(customers.segment, 'unknown') as segment,
        cast(signals.mrr as decimal(18, 4)) as mrr,
        -- usage (trailing usage window); always has data
        cast(signals.usage_active_days as {{ double }}) as usage_active_days,
        cast(signals.usage_logins as {{ double }}) as usage_logins,
        cast(signals.usage_features as {{ double }}) as usage_feature_breadth,
        -- days since the last login / feature use, capped at the window and at the tenure
        cast(least(
            coalesce(
                {{ dbt.datediff('signals.last_usage_day', 'signals.as_of_date', 'day') }},
                {{ usage_days }}
            ),
            {{ usage_days }},
            {{ dbt.datediff('signals.spell_start', 'signals.as_of_date', 'day') }}
        ) as {{ dbt.type_int() }}) as usage_days_inactive,
        -- engagement (trailing engagement window); always has data
        cast(signals.engagement_webinars as {{ double }}) as engagement_webinars,
        cast(signals.engagement_courses as {{ double }}) as engagement_courses,
        cast(signals.survey_responses as {{ double }}) as engagement_survey_responses,
        -- satisfaction (trailing satisfaction window); null without responses
        cast(case
            when signals.satisfaction_responses > 0
                then signals.satisfaction_sum / signals.satisfaction_responses
        end as {{ double }}) as satisfaction_score_pct,
        -- support (trailing support window); no ticket = load 0, no resolution time
        cast(signals.ticket_load as {{ double }}) as support_ticket_load,
        cast(case
            when signals.tickets > 0
                then cast(
                    signals.resolved_minutes
                    + signals.open_tickets * {{ pulse_minutes_between(
                        "cast('1970-01-01' as timestamp)",
                        'cast(' ~ dbt.dateadd('day', 1, 'signals.as_of_date') ~ ' as timestamp)'
                    ) }}
                    - signals.open_created_minutes
                    as {{ double }}
                ) / signals.tickets / 60
        end as {{ double }}) as support_resolution_hours,
        -- payments (invoices due in the trailing payments window, or still unpaid); null
        -- without such an invoice
        cast(case
            when signals.invoices > 0
                then 100 * cast(signals.late_invoices as {{ double }}) / signals.invoices
        end as {{ double }}) as payments_late_pct,
        cast(case
            when signals.invoices > 0
                then cast(
                    signals.paid_days_late
                    + signals.unpaid_invoices * {{ health_day_number('signals.as_of_date') }}
                    - signals.unpaid_due_days
                    as {{ double }}
                ) / signals.invoices
        end as {{ double }}) as payments_avg_days_late,
        cast(case
            when signals.invoices > 0
                then cast(signals.reminders as {{ double }}) / signals.invoices
        end as {{ double }}) as payments_reminders_per_invoice,
        cast(case
            when signals.invoices > 0 and signals.invoice_amount > 0
                then
                    100 * cast(signals.past_due_amount as {{ double }})
                    / cast(signals.invoice_amount as {{ double }})
            when signals.invoices > 0 then 0
        end as {{ double }}) as payments_past_due_pct,
        -- advocacy (trailing advocacy window); data when any NPS answer, referral or review
        cast(case
            when signals.nps_responses > 0
                then 100 * (cast(signals.nps_sum as {{ double }}) / signals.nps_responses)
        end as {{ double }}) as advocacy_nps,
        cast(case
            when
                signals.nps_responses > 0
                or signals.advocacy_referrals > 0
                or signals.advocacy_reviews > 0
                then signals.advocacy_referrals
        end as {{ double }}) as advocacy_referrals,
        cast(case
            when
                signals.nps_responses > 0
                or signals.advocacy_referrals > 0
                or signals.advocacy_reviews > 0
                then signals.advocacy_reviews
        end as {{ double }}) as advocacy_reviews,
        -- renewal and tenure; always has data
        cast(
            {{ dbt.datediff('signals.spell_start', 'signals.as_of_date', 'day') }}
            as {{ double }}
        ) as renewal_tenure_days,
        cast(case
            when signals.reference_mrr > 0
                then
                    100 * cast(signals.mrr - signals.reference_mrr as {{ double }})
                    / cast(signals.reference_mrr as {{ double }})
            else 0
        end as {{ double }}) as renewal_mrr_change_pct,
        cast({{ health_fingerprint('signals') }} as {{ dbt.type_string() }}) as config_fingerprint
    from signals
    left join customers on signals.customer_id = customers.customer_id
)

select * from final
