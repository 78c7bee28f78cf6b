-- Every customer any source refers to, with the CRM's attributes where the CRM knows it.
-- Rows of customers the CRM does not (yet) hold are kept everywhere; their segment and
-- acquisition channel are 'unknown', so a BI tool never loses them in a join.
-- A table, not a view: several models and many tests read it, each computing a view again.
{{ config(materialized='table') }}

with

referenced as (
    select customer_id from {{ ref('stg_crm__customers') }}
    union
    select customer_id from {{ ref('stg_billing__subscriptions') }}
    union
    select customer_id from {{ ref('stg_billing__invoices') }}
    union
    select customer_id from {{ ref('stg_survey__survey_responses') }}
    union
    select customer_id from {{ ref('stg_support__support_tickets') }}
),

crm as (
    select * from {{ ref('stg_crm__customers') }}
),

final as (
    select
        referenced.customer_id,
        crm.company_name,
        coalesce(crm.segment, 'unknown') as segment,
        crm.region,
        crm.country,
        coalesce(crm.acquisition_channel, 'unknown') as acquisition_channel,
        crm.created_at,
        crm.owner,
        crm.customer_id is not null as is_known_to_crm
    from referenced
    left join crm on referenced.customer_id = crm.customer_id
)

select * from final
