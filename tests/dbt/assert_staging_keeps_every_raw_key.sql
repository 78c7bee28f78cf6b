-- Nothing lost between raw and staging: every distinct primary key of a raw table is either
-- one row of its staging model (raw keeps every delivered version; staging the latest) or
-- held back by staging with a reason (int_held_back_rows, listed in rpt_quarantine), or, for
-- customers, another system's customer record that identity resolution merged into the CRM
-- customer it matched (base_identity__resolution: that customer's own row stands for it).
-- Returns one row per source whose counts differ.
-- In Dagster, the check of the model it guards (a test reading several models names its own).
{{ config(meta={"dagster": {"ref": {"name": "int_held_back_rows"}}}) }}
{% set checks = [
    ('customers', 'customer_id', 'stg_crm__customers'),
    ('subscriptions', 'subscription_id', 'stg_billing__subscriptions'),
    ('survey_responses', 'response_id', 'stg_survey__survey_responses'),
    ('support_tickets', 'ticket_id', 'stg_support__support_tickets'),
    ('usage_events', 'event_id', 'stg_product__usage_events'),
    ('invoices', 'invoice_id', 'stg_billing__invoices'),
    ('payments', 'payment_id', 'stg_billing__payments'),
    ('payment_reminders', 'reminder_id', 'stg_billing__payment_reminders'),
] %}
{% set systems = {
    'customers': 'crm', 'subscriptions': 'billing', 'survey_responses': 'survey',
    'support_tickets': 'support', 'usage_events': 'product', 'invoices': 'billing',
    'payments': 'billing', 'payment_reminders': 'billing',
} %}

with

held_back as (
    select
        source_name,
        count(*) as held_back_rows
    from {{ ref('int_held_back_rows') }}
    group by source_name
),

merged as (
    select
        'customers' as source_name,
        count(distinct trim(customers.customer_id)) as merged_keys
    from {{ source('crm', 'customers') }} as customers
    inner join {{ ref('base_identity__resolution') }} as resolved
        on
            {{ pulse_identity_attribute('customers._extra', 'profile') }}
            = resolved.source_system
            and trim(customers.customer_id) = resolved.external_id
    where
        resolved.is_matched
        and not (resolved.is_master and resolved.customer_id = resolved.external_id)
),

counts as (
    {% for table, key, model in checks %}
        select
            '{{ table }}' as source_table,
            (
                select count(distinct trim({{ key }})) as key_count
                from {{ source(systems[table], table) }}
            ) as raw_distinct_keys,
            (select count(*) as staged from {{ ref(model) }}) as staging_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
    union all
    select
        'marketing_spend' as source_table,
        (
            select count(*) as key_count from (
                select distinct
                    spend_date,
                    lower(trim(channel)) as channel,
                    coalesce(trim(campaign), '') as campaign
                from {{ source('marketing', 'marketing_spend') }}
            ) as spend_keys
        ) as raw_distinct_keys,
        (
            select count(*) as staged from {{ ref('stg_marketing__marketing_spend') }}
        ) as staging_rows
    union all
    select
        'costs' as source_table,
        (
            select count(*) as key_count from (
                select distinct
                    {{ pulse_month('month') }} as cost_month,
                    trim(account) as account,  -- noqa: RF04
                    coalesce(lower(trim(department)), '') as department
                from {{ source('accounting', 'costs') }}
            ) as cost_keys
        ) as raw_distinct_keys,
        (select count(*) as staged from {{ ref('stg_accounting__costs') }}) as staging_rows
)

select
    counts.source_table,
    counts.raw_distinct_keys,
    counts.staging_rows,
    coalesce(held_back.held_back_rows, 0) as held_back_rows,
    coalesce(merged.merged_keys, 0) as merged_keys
from counts
left join held_back on counts.source_table = held_back.source_name
left join merged on counts.source_table = merged.source_name
where
    counts.raw_distinct_keys
    <> counts.staging_rows
    + coalesce(held_back.held_back_rows, 0)
    + coalesce(merged.merged_keys, 0)
