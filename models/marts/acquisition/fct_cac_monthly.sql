-- Customer acquisition cost per month and acquisition channel: spend / new customers (null,
-- not infinity, when the channel acquired nobody; 0 for a channel without spend). Sum
-- marketing_spend and new_customers across rows, never cac; the all-channel figure is
-- fct_cac_blended_monthly.
with

channel_months as (
    select * from {{ ref('int_acquisition_channel_monthly') }}
),

final as (
    select
        month,
        channel as acquisition_channel,
        marketing_spend,
        new_customers,
        {{ pulse_ratio('marketing_spend', 'new_customers') }} as cac,
        is_complete_month
    from channel_months
)

select * from final
