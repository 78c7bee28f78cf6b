-- Marketing spend and new customers per month and channel, on a dense grid: every month from
-- the first month with marketing spend data to the as-of date's month (earlier months have
-- no spend data, and a CAC of 0 there would be a lie), for every channel that has spend or
-- acquired customers. A new customer is one whose first-ever subscription started in the
-- month (int_customer_activity), counted in its CRM acquisition_channel; spend channels and
-- acquisition channels share one vocabulary (trimmed, lower-cased).
with

spend as (
    select
        month,
        channel,
        marketing_spend
    from {{ ref('int_marketing_spend_monthly') }}
),

acquisitions as (
    select
        acquisition_month as month,  -- noqa: RF04
        acquisition_channel as channel,
        count(*) as new_customers
    from {{ ref('int_customer_activity') }}
    group by acquisition_month, acquisition_channel
),

months as (
    {{ pulse_month_spine(
        '(select min(spend_bounds.month) from spend as spend_bounds)',
        pulse_month(pulse_as_of_date())
    ) }}
),

channels as (
    select channel from spend
    union
    select channel from acquisitions
),

grid as (
    select
        months.month,
        channels.channel
    from months
    cross join channels
),

final as (
    select
        grid.month,
        grid.channel,
        {{ pulse_add_months(1, 'grid.month') }} <= {{ pulse_as_of_date() }} as is_complete_month,
        cast(coalesce(spend.marketing_spend, 0) as decimal(18, 4)) as marketing_spend,
        cast(coalesce(acquisitions.new_customers, 0) as {{ dbt.type_bigint() }}) as new_customers
    from grid
    left join spend
        on
            grid.month = spend.month
            and grid.channel = spend.channel
    left join acquisitions
        on
            grid.month = acquisitions.month
            and grid.channel = acquisitions.channel
)

select * from final
