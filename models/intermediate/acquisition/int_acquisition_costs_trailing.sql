-- One row: the ledger's acquisition costs over the trailing var('clv_trailing_months')
-- complete months (the window of int_channel_cac_trailing) spread evenly over every customer
-- acquired in the window, whatever its channel: what fully loaded CAC adds to a customer's
-- channel CAC. Null when the ledger has no month in the window (the accounting export is not
-- loaded): fully loaded CAC is then unknown, not equal to the marketing-only one. A window
-- the ledger covers only in part understates it (ledger_months_in_window says how many).
with

window_bounds as (
    {{ pulse_trailing_window_bounds(var('clv_trailing_months')) }}
),

ledger as (
    select
        count(*) as ledger_months_in_window,
        sum(ledger_months.ledger_acquisition_costs) as ledger_acquisition_costs
    from {{ ref('int_acquisition_costs_monthly') }} as ledger_months
    inner join window_bounds
        on
            ledger_months.month
            between window_bounds.window_start_month and window_bounds.window_end_month
),

acquired as (
    select sum(channel_months.new_customers) as new_customers
    from {{ ref('int_acquisition_channel_monthly') }} as channel_months
    inner join window_bounds
        on
            channel_months.month
            between window_bounds.window_start_month and window_bounds.window_end_month
),

final as (
    select
        window_bounds.window_start_month,
        window_bounds.window_end_month,
        cast(ledger.ledger_months_in_window as {{ dbt.type_bigint() }})
            as ledger_months_in_window,
        cast(ledger.ledger_acquisition_costs as decimal(18, 4)) as ledger_acquisition_costs,
        cast(acquired.new_customers as {{ dbt.type_bigint() }}) as new_customers,
        {{ pulse_ratio('ledger.ledger_acquisition_costs', 'acquired.new_customers') }}
            as ledger_cost_per_new_customer
    from window_bounds
    cross join ledger
    cross join acquired
)

select * from final
