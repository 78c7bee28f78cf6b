-- One row per customer: the latest version of each customer_id.
-- Latest: the newest updated_at, else the file loaded last (macros/dedupe_latest.sql).
-- customer_id: a profiled row's account key resolved to the CRM customer
-- (base_identity__resolution, docs/profiles.md "One customer across systems"); a row of a
-- contract landing file keeps its own.
{{ config(contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(customer_id) as customer_id,
        {{ pulse_identity_attribute('_extra', 'profile') }} as identity_system,
        nullif(trim(company_name), '') as company_name,
        nullif(lower(trim(email)), '') as email,
        lower(trim(segment)) as segment,
        nullif(trim(region), '') as region,
        nullif(trim(country), '') as country,
        lower(trim(acquisition_channel)) as acquisition_channel,
        created_at,
        -- the owner routes alerts: only a value shaped like an e-mail address is kept (an
        -- export that writes the owner's name, as HubSpot's does, routes to the default
        -- recipient instead of carrying a person's name onward)
        case
            when lower(trim(owner)) like '%_@_%._%' then lower(trim(owner))
        end as owner,  -- noqa: RF04
        updated_at,
        _file_id,
        _row_number
    from {{ source('crm', 'customers') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['customer_id'], updated_at='updated_at') }}
),

final as (
    select
        coalesce(resolved.customer_id, deduped.customer_id) as customer_id,
        deduped.company_name,
        deduped.email,
        deduped.segment,
        deduped.region,
        deduped.country,
        deduped.acquisition_channel,
        deduped.created_at,
        deduped.owner,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
    left join {{ ref('base_identity__resolution') }} as resolved
        on
            deduped.identity_system = resolved.source_system
            and deduped.customer_id = resolved.external_id
    -- Another system's customer record (a Stripe customer) that matched a CRM customer is
    -- that customer, whose own record carries the attributes; so is a CRM record the
    -- identity map merges into another. Unmatched ones stay, under their own key.
    where
        resolved.source_system is null
        or not resolved.is_matched
        or (resolved.is_master and resolved.customer_id = deduped.customer_id)
)

select * from final
