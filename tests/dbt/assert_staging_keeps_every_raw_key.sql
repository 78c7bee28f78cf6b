-- Nothing lost between raw and staging: every staging model holds exactly one row per distinct
-- primary key of its raw table (raw keeps every delivered version; staging the latest).
-- Returns one row per source whose counts differ.
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

counts as (
    {% for table, key, model in checks %}
        select
            '{{ table }}' as source_table,
            (
                select count(distinct trim({{ key }}))
                from {{ source(systems[table], table) }}
            ) as raw_distinct_keys,
            (select count(*) from {{ ref(model) }}) as staging_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
    union all
    select
        'marketing_spend' as source_table,
        (
            select count(*) from (
                select distinct
                    spend_date,
                    lower(trim(channel)) as channel,
                    coalesce(trim(campaign), '') as campaign
                from {{ source('marketing', 'marketing_spend') }}
            ) as spend_keys
        ) as raw_distinct_keys,
        (select count(*) from {{ ref('stg_marketing__marketing_spend') }}) as staging_rows
)

select * from counts
where raw_distinct_keys <> staging_rows
