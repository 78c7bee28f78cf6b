-- The product-event signals as changes: one row per customer, change day and cause, whose
-- columns add to the customer's running totals from change_day on. Each usage, engagement or
-- advocacy day enters its trailing window on its own day and leaves it window-length days
-- later, so the signal on any day is the running total of the changes up to that day
-- (int_health_signals_daily): one pass over events, whatever the window length.
--   usage (var health_usage_window_days): active days, logins, the latest usage day (a max,
--     not a total), and feature breadth: each feature counts while used within the window,
--     i.e. over the islands of its use days closer than the window, so distinct features
--     come out as a running total of island starts and ends;
--   engagement (var health_engagement_window_days): webinars, courses;
--   advocacy (var health_advocacy_window_days): referrals, reviews.
-- expires_day: the day the cause stops counting (equal on both of its rows), so a run that
-- needs days from D on reads only the causes with expires_day > D.
{%- set usage_days = var('health_usage_window_days') | int %}
{%- set engagement_days = var('health_engagement_window_days') | int %}
{%- set advocacy_days = var('health_advocacy_window_days') | int %}

with

product as (
    select
        customer_id,
        activity_date,
        event_type,
        feature,
        events
    from {{ ref('int_health_product_daily') }}
),

usage_days as (
    -- one row per customer and day with a login or feature use
    select
        customer_id,
        activity_date,
        sum(case when event_type = 'login' then events else 0 end) as logins
    from product
    where event_type in ('login', 'feature_used')
    group by customer_id, activity_date
),

feature_days as (
    select distinct
        customer_id,
        feature,
        activity_date
    from product
    where event_type = 'feature_used' and feature is not null
),

feature_previous_days as (
    select
        customer_id,
        feature,
        activity_date,
        lag(activity_date) over (
            partition by customer_id, feature order by activity_date
        ) as previous_date
    from feature_days
),

feature_gaps as (
    -- a use more than usage_days after the previous one starts a new island
    select
        customer_id,
        feature,
        activity_date,
        case
            when
                previous_date is null
                or activity_date
                > cast({{ dbt.dateadd('day', usage_days, 'previous_date') }} as date)
                then 1
            else 0
        end as starts_island
    from feature_previous_days
),

feature_island_days as (
    select
        customer_id,
        feature,
        activity_date,
        sum(starts_island) over (
            partition by customer_id, feature
            order by activity_date
            rows between unbounded preceding and current row
        ) as island
    from feature_gaps
),

feature_islands as (
    -- the feature counts from its first use to usage_days after its last use (exclusive)
    select
        customer_id,
        min(activity_date) as first_use,
        cast({{ dbt.dateadd('day', usage_days, 'max(activity_date)') }} as date) as expires_day
    from feature_island_days
    group by customer_id, feature, island
),

event_days as (
    select
        customer_id,
        activity_date,
        sum(case when event_type = 'webinar_attended' then events else 0 end) as webinars,
        sum(case when event_type = 'course_completed' then events else 0 end) as courses,
        sum(case when event_type = 'referral_made' then events else 0 end) as referrals,
        sum(case when event_type = 'review_posted' then events else 0 end) as reviews
    from product
    where event_type in ('webinar_attended', 'course_completed', 'referral_made', 'review_posted')
    group by customer_id, activity_date
),

entries as (
    -- one row per cause: counted from start_day to expires_day (exclusive)
    select
        customer_id,
        activity_date as start_day,
        cast({{ dbt.dateadd('day', usage_days, 'activity_date') }} as date) as expires_day,
        1 as usage_active_days,
        logins as usage_logins,
        0 as usage_features,
        activity_date as last_usage_day,
        0 as engagement_webinars,
        0 as engagement_courses,
        0 as advocacy_referrals,
        0 as advocacy_reviews
    from usage_days
    union all
    select
        customer_id,
        first_use as start_day,
        expires_day,
        0 as usage_active_days,
        0 as usage_logins,
        1 as usage_features,
        cast(null as date) as last_usage_day,
        0 as engagement_webinars,
        0 as engagement_courses,
        0 as advocacy_referrals,
        0 as advocacy_reviews
    from feature_islands
    union all
    select
        customer_id,
        activity_date as start_day,
        cast({{ dbt.dateadd('day', engagement_days, 'activity_date') }} as date) as expires_day,
        0 as usage_active_days,
        0 as usage_logins,
        0 as usage_features,
        cast(null as date) as last_usage_day,
        webinars as engagement_webinars,
        courses as engagement_courses,
        0 as advocacy_referrals,
        0 as advocacy_reviews
    from event_days
    where webinars > 0 or courses > 0
    union all
    select
        customer_id,
        activity_date as start_day,
        cast({{ dbt.dateadd('day', advocacy_days, 'activity_date') }} as date) as expires_day,
        0 as usage_active_days,
        0 as usage_logins,
        0 as usage_features,
        cast(null as date) as last_usage_day,
        0 as engagement_webinars,
        0 as engagement_courses,
        referrals as advocacy_referrals,
        reviews as advocacy_reviews
    from event_days
    where referrals > 0 or reviews > 0
),

final as (
    {%- set totals = [
        'usage_active_days', 'usage_logins', 'usage_features', 'engagement_webinars',
        'engagement_courses', 'advocacy_referrals', 'advocacy_reviews',
    ] %}
    select
        customer_id,
        start_day as change_day,
        expires_day,
        {%- for column in totals %}
            cast({{ column }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        last_usage_day
    from entries
    union all
    select
        customer_id,
        expires_day as change_day,
        expires_day,
        {%- for column in totals %}
            cast(-1 * {{ column }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        cast(null as date) as last_usage_day
    from entries
)

select * from final
