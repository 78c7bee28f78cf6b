-- One row per customer and target day (int_health_target_days) on which the customer has an
-- active subscription (int_health_scored_days): the raw signals of the seven health
-- components over their trailing windows (vars health_*_window_days, each ending on the day,
-- inclusive). Ephemeral: computed only for the days this run scores, from the compact
-- intermediates (daily product aggregates, tickets, survey responses; payments in
-- int_health_payment_signals, renewal in int_health_scored_days); every event row reaches
-- the days of its window through a range join, so the cost is (rows x window), never
-- (customer-days x the customer's events).
-- Point in time: a day's signals use only what is dated on or before that day (events,
-- tickets created, responses, payments; a ticket not resolved by the end of the day counts as
-- open; an invoice not paid by the day counts as unpaid).
-- Null = no data for that signal (a component whose signals are all null has no data that day).
{{ config(materialized=pulse_health_chain_materialization()) }}

{%- set usage_days = var('health_usage_window_days') | int %}
{%- set engagement_days = var('health_engagement_window_days') | int %}
{%- set satisfaction_days = var('health_satisfaction_window_days') | int %}
{%- set support_days = var('health_support_window_days') | int %}
{%- set advocacy_days = var('health_advocacy_window_days') | int %}
{%- set product_days = [usage_days, engagement_days, advocacy_days] | max %}
{%- set survey_days = [engagement_days, satisfaction_days, advocacy_days] | max %}

with

target_days as (
    select as_of_date from {{ ref('int_health_target_days') }}
),

target_bounds as (
    select
        min(as_of_date) as first_day,
        max(as_of_date) as last_day
    from target_days
),

scored as (
    select * from {{ ref('int_health_scored_days') }}
),

payments as (
    select * from {{ ref('int_health_payment_signals') }}
),

customers as (
    select
        customer_id,
        segment
    from {{ ref('int_customers') }}
),

-- product usage, engagement and advocacy events ---------------------------------------------

product as (
    select
        product_daily.customer_id,
        product_daily.activity_date,
        product_daily.event_type,
        product_daily.feature,
        product_daily.events
    from {{ ref('int_health_product_daily') }} as product_daily
    cross join target_bounds
    where
        product_daily.activity_date <= target_bounds.last_day
        and product_daily.activity_date > {{ dbt.dateadd(
            'day', -1 * product_days, 'target_bounds.first_day'
        ) }}
),

usage_day_rows as (
    -- one row per customer and day with a login or feature use
    select
        customer_id,
        activity_date,
        sum(case when event_type = 'login' then events else 0 end) as logins
    from product
    where event_type in ('login', 'feature_used')
    group by customer_id, activity_date
),

usage_window as (
    select
        target_days.as_of_date,
        usage_day_rows.customer_id,
        count(*) as active_days,
        sum(usage_day_rows.logins) as logins,
        max(usage_day_rows.activity_date) as last_active_date
    from usage_day_rows
    inner join target_days
        on {{ health_in_window(
            'target_days.as_of_date', 'usage_day_rows.activity_date', usage_days
        ) }}
    group by target_days.as_of_date, usage_day_rows.customer_id
),

feature_window as (
    select
        target_days.as_of_date,
        product.customer_id,
        count(distinct product.feature) as feature_breadth
    from product
    inner join target_days
        on {{ health_in_window(
            'target_days.as_of_date', 'product.activity_date', usage_days
        ) }}
    where product.event_type = 'feature_used' and product.feature is not null
    group by target_days.as_of_date, product.customer_id
),

engagement_window as (
    select
        target_days.as_of_date,
        product.customer_id,
        sum(case when product.event_type = 'webinar_attended' then product.events else 0 end)
            as webinars,
        sum(case when product.event_type = 'course_completed' then product.events else 0 end)
            as courses
    from product
    inner join target_days
        on {{ health_in_window(
            'target_days.as_of_date', 'product.activity_date', engagement_days
        ) }}
    where product.event_type in ('webinar_attended', 'course_completed')
    group by target_days.as_of_date, product.customer_id
),

advocacy_events_window as (
    select
        target_days.as_of_date,
        product.customer_id,
        sum(case when product.event_type = 'referral_made' then product.events else 0 end)
            as referrals,
        sum(case when product.event_type = 'review_posted' then product.events else 0 end)
            as reviews
    from product
    inner join target_days
        on {{ health_in_window(
            'target_days.as_of_date', 'product.activity_date', advocacy_days
        ) }}
    where product.event_type in ('referral_made', 'review_posted')
    group by target_days.as_of_date, product.customer_id
),

-- survey responses: satisfaction, contact (engagement), NPS (advocacy) ----------------------

surveys as (
    select
        responses.customer_id,
        responses.responded_date,
        responses.survey_type,
        responses.score_pct,
        responses.nps_value
    from {{ ref('int_health_survey_responses') }} as responses
    cross join target_bounds
    where
        responses.responded_date <= target_bounds.last_day
        and responses.responded_date > {{ dbt.dateadd(
            'day', -1 * survey_days, 'target_bounds.first_day'
        ) }}
),

satisfaction_window as (
    select
        target_days.as_of_date,
        surveys.customer_id,
        avg(surveys.score_pct) as score_pct
    from surveys
    inner join target_days
        on {{ health_in_window(
            'target_days.as_of_date', 'surveys.responded_date', satisfaction_days
        ) }}
    where surveys.score_pct is not null
    group by target_days.as_of_date, surveys.customer_id
),

contact_window as (
    select
        target_days.as_of_date,
        surveys.customer_id,
        count(*) as survey_responses
    from surveys
    inner join target_days
        on {{ health_in_window(
            'target_days.as_of_date', 'surveys.responded_date', engagement_days
        ) }}
    group by target_days.as_of_date, surveys.customer_id
),

nps_window as (
    select
        target_days.as_of_date,
        surveys.customer_id,
        100 * avg(cast(surveys.nps_value as {{ pulse_type_double() }})) as personal_nps
    from surveys
    inner join target_days
        on {{ health_in_window(
            'target_days.as_of_date', 'surveys.responded_date', advocacy_days
        ) }}
    where surveys.nps_value is not null
    group by target_days.as_of_date, surveys.customer_id
),

-- support tickets ------------------------------------------------------------------------

tickets as (
    select
        tickets.customer_id,
        tickets.created_at,
        tickets.created_date,
        tickets.resolved_at,
        tickets.ticket_weight
    from {{ ref('int_health_tickets') }} as tickets
    cross join target_bounds
    where
        tickets.created_date <= target_bounds.last_day
        and tickets.created_date > {{ dbt.dateadd(
            'day', -1 * support_days, 'target_bounds.first_day'
        ) }}
),

ticket_hits as (
    select
        target_days.as_of_date,
        tickets.customer_id,
        tickets.ticket_weight,
        tickets.created_at,
        -- resolved by the end of the day: its resolution time; else open so far
        case
            when
                tickets.resolved_at is not null
                and tickets.resolved_at < cast({{ dbt.dateadd(
                    'day', 1, 'target_days.as_of_date'
                ) }} as timestamp)
                then tickets.resolved_at
            else cast({{ dbt.dateadd('day', 1, 'target_days.as_of_date') }} as timestamp)
        end as open_until
    from tickets
    inner join target_days
        on {{ health_in_window(
            'target_days.as_of_date', 'tickets.created_date', support_days
        ) }}
),

support_window as (
    select
        as_of_date,
        customer_id,
        sum(ticket_weight) as ticket_load,
        avg(
            greatest(0, {{ pulse_minutes_between('created_at', 'open_until') }})
            / cast(60 as {{ pulse_type_double() }})
        ) as resolution_hours
    from ticket_hits
    group by as_of_date, customer_id
),

final as (
    select
        scored.customer_id,
        scored.as_of_date,
        coalesce(customers.segment, 'unknown') as segment,
        cast(scored.mrr as decimal(18, 4)) as mrr,
        -- usage (trailing usage window); always has data
        cast(coalesce(usage_window.active_days, 0) as {{ pulse_type_double() }})
            as usage_active_days,
        cast(coalesce(usage_window.logins, 0) as {{ pulse_type_double() }}) as usage_logins,
        cast(coalesce(feature_window.feature_breadth, 0) as {{ pulse_type_double() }})
            as usage_feature_breadth,
        -- days since the last login / feature use, capped at the window and at the tenure
        cast(least(
            coalesce(
                {{ dbt.datediff('usage_window.last_active_date', 'scored.as_of_date', 'day') }},
                {{ usage_days }}
            ),
            {{ dbt.datediff('scored.spell_start', 'scored.as_of_date', 'day') }}
        ) as {{ dbt.type_int() }}) as usage_days_inactive,
        -- engagement (trailing engagement window); always has data
        cast(coalesce(engagement_window.webinars, 0) as {{ pulse_type_double() }})
            as engagement_webinars,
        cast(coalesce(engagement_window.courses, 0) as {{ pulse_type_double() }})
            as engagement_courses,
        cast(coalesce(contact_window.survey_responses, 0) as {{ pulse_type_double() }})
            as engagement_survey_responses,
        -- satisfaction (trailing satisfaction window); null without responses
        cast(satisfaction_window.score_pct as {{ pulse_type_double() }}) as satisfaction_score_pct,
        -- support (trailing support window); no ticket = load 0, no resolution time
        cast(coalesce(support_window.ticket_load, 0) as {{ pulse_type_double() }})
            as support_ticket_load,
        cast(support_window.resolution_hours as {{ pulse_type_double() }})
            as support_resolution_hours,
        -- payments (invoices due in the trailing payments window, or still unpaid); null
        -- without such an invoice
        payments.payments_late_pct,
        payments.payments_avg_days_late,
        payments.payments_reminders_per_invoice,
        payments.payments_past_due_pct,
        -- advocacy (trailing advocacy window); data when any NPS answer, referral or review
        cast(nps_window.personal_nps as {{ pulse_type_double() }}) as advocacy_nps,
        cast(case
            when
                nps_window.personal_nps is not null
                or coalesce(advocacy_events_window.referrals, 0) > 0
                or coalesce(advocacy_events_window.reviews, 0) > 0
                then coalesce(advocacy_events_window.referrals, 0)
        end as {{ pulse_type_double() }}) as advocacy_referrals,
        cast(case
            when
                nps_window.personal_nps is not null
                or coalesce(advocacy_events_window.referrals, 0) > 0
                or coalesce(advocacy_events_window.reviews, 0) > 0
                then coalesce(advocacy_events_window.reviews, 0)
        end as {{ pulse_type_double() }}) as advocacy_reviews,
        -- renewal and tenure; always has data
        scored.renewal_tenure_days,
        scored.renewal_mrr_change_pct
    from scored
    left join customers on scored.customer_id = customers.customer_id
    left join payments
        on
            scored.customer_id = payments.customer_id
            and scored.as_of_date = payments.as_of_date
    left join usage_window
        on
            scored.customer_id = usage_window.customer_id
            and scored.as_of_date = usage_window.as_of_date
    left join feature_window
        on
            scored.customer_id = feature_window.customer_id
            and scored.as_of_date = feature_window.as_of_date
    left join engagement_window
        on
            scored.customer_id = engagement_window.customer_id
            and scored.as_of_date = engagement_window.as_of_date
    left join advocacy_events_window
        on
            scored.customer_id = advocacy_events_window.customer_id
            and scored.as_of_date = advocacy_events_window.as_of_date
    left join satisfaction_window
        on
            scored.customer_id = satisfaction_window.customer_id
            and scored.as_of_date = satisfaction_window.as_of_date
    left join contact_window
        on
            scored.customer_id = contact_window.customer_id
            and scored.as_of_date = contact_window.as_of_date
    left join nps_window
        on
            scored.customer_id = nps_window.customer_id
            and scored.as_of_date = nps_window.as_of_date
    left join support_window
        on
            scored.customer_id = support_window.customer_id
            and scored.as_of_date = support_window.as_of_date
)

select * from final
