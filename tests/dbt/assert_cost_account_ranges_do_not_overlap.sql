-- seeds/cost_account_categories.csv: two rules of the same department (or both of any
-- department) never cover the same account, so a cost row matches at most one rule of each
-- kind and is never counted twice. Returns one row per overlapping pair.
with

rules as (
    select
        account_from,
        account_to,
        coalesce(lower(trim(department)), '') as department,
        row_number() over (order by account_from, account_to, department) as rule_id
    from {{ ref('cost_account_categories') }}
)

select
    first_rule.department,
    first_rule.account_from,
    first_rule.account_to,
    second_rule.account_from as overlapping_from,
    second_rule.account_to as overlapping_to
from rules as first_rule
inner join rules as second_rule
    on
        first_rule.department = second_rule.department
        and first_rule.rule_id < second_rule.rule_id
        and first_rule.account_from <= second_rule.account_to
        and first_rule.account_to >= second_rule.account_from
