-- Marketing spend per month and channel (reporting currency), spend dated on or before the
-- as-of date.
with

spend as (
    select
        spend_date,
        channel,
        amount
    from {{ ref('stg_marketing__marketing_spend') }}
    where spend_date <= {{ pulse_as_of_date() }}
),

final as (
    select
        {{ pulse_month('spend_date') }} as month,  -- noqa: RF04
        channel,
        cast(sum(amount) as decimal(18, 4)) as marketing_spend
    from spend
    group by {{ pulse_month('spend_date') }}, channel
)

select * from final
