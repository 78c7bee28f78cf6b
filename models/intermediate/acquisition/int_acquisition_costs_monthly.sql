-- The ledger's acquisition costs per month (reporting currency), months on or before the
-- as-of date: every month the accounting export has a row for, so 0 (nothing of that kind
-- booked) differs from a month the ledger does not cover (no row here).
-- A cost row matches the rule of seeds/cost_account_categories.csv whose account range holds
-- the leading number of its account and whose department is the row's, else the rule of any
-- department; it counts amount * share in the rule's category. A row no rule matches is not
-- an acquisition cost. Credits (negative amounts) lower their month's costs.
with

costs as (
    select
        month,
        account,
        department,
        amount,
        -- the leading number of the account ('5000' and '5000 Payroll' alike); null for a name
        cast(nullif(regexp_extract(account, '^([0-9]+)', 1), '') as {{ dbt.type_bigint() }})
            as account_number
    from {{ ref('stg_accounting__costs') }}
    where month <= {{ pulse_as_of_date() }}
),

rules as (
    select
        account_from,
        account_to,
        coalesce(lower(trim({{ pulse_seed_text('department') }})), '') as department,
        acquisition_category,
        share
    from {{ ref('cost_account_categories') }}
),

candidates as (
    select
        costs.month,
        costs.account,
        costs.department,
        costs.amount,
        rules.acquisition_category,
        rules.share,
        -- the rule naming the department first, then the one for any department
        row_number() over (
            partition by costs.month, costs.account, costs.department
            order by case when rules.department = '' then 1 else 0 end
        ) as rule_rank
    from costs
    inner join rules
        on
            costs.account_number between rules.account_from and rules.account_to
            and (costs.department = rules.department or rules.department = '')
),

matched as (
    select
        month,
        acquisition_category,
        amount * share as acquisition_amount
    from candidates
    where rule_rank = 1
),

by_category as (
    select
        month,
        sum(case when acquisition_category = 'marketing' then acquisition_amount else 0 end)
            as ledger_marketing_costs,
        sum(case when acquisition_category = 'sales' then acquisition_amount else 0 end)
            as sales_costs,
        sum(case when acquisition_category = 'other' then acquisition_amount else 0 end)
            as acquisition_overhead_costs
    from matched
    group by month
),

ledger_months as (
    select distinct month from costs
),

final as (
    select
        ledger_months.month,
        cast(coalesce(by_category.ledger_marketing_costs, 0) as decimal(18, 4))
            as ledger_marketing_costs,
        cast(coalesce(by_category.sales_costs, 0) as decimal(18, 4)) as sales_costs,
        cast(coalesce(by_category.acquisition_overhead_costs, 0) as decimal(18, 4))
            as acquisition_overhead_costs,
        cast(
            coalesce(by_category.ledger_marketing_costs, 0)
            + coalesce(by_category.sales_costs, 0)
            + coalesce(by_category.acquisition_overhead_costs, 0)
            as decimal(18, 4)
        ) as ledger_acquisition_costs
    from ledger_months
    left join by_category on ledger_months.month = by_category.month
)

select * from final
