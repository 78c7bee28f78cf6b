-- What each profiled row says about its customer: one row per raw row version whose profile
-- dataset has an identity block (the loader's _pulse_identity object in _extra). Every loaded
-- version counts as evidence; base_identity__resolution keeps the latest version of a master
-- record. No e-mail address is here: the loader keeps only its domain and hash.

with

raw_rows as (
    select
        'customers' as source_name,
        trim(customer_id) as external_id,
        _extra,
        _file_id,
        _row_number
    from {{ source('crm', 'customers') }}
    where _extra is not null
    union all
    select
        'invoices' as source_name,
        trim(customer_id) as external_id,
        _extra,
        _file_id,
        _row_number
    from {{ source('billing', 'invoices') }}
    where _extra is not null
    union all
    select
        'subscriptions' as source_name,
        trim(customer_id) as external_id,
        _extra,
        _file_id,
        _row_number
    from {{ source('billing', 'subscriptions') }}
    where _extra is not null
    union all
    select
        'support_tickets' as source_name,
        trim(customer_id) as external_id,
        _extra,
        _file_id,
        _row_number
    from {{ source('support', 'support_tickets') }}
    where _extra is not null
    union all
    select
        'survey_responses' as source_name,
        trim(customer_id) as external_id,
        _extra,
        _file_id,
        _row_number
    from {{ source('survey', 'survey_responses') }}
    where _extra is not null
),

attributes as (
    select
        raw_rows.source_name,
        {{ pulse_identity_attribute('raw_rows._extra', 'profile') }} as source_system,
        {{ pulse_identity_attribute('raw_rows._extra', 'dataset') }} as dataset,
        raw_rows.external_id,
        {{ pulse_identity_attribute('raw_rows._extra', 'key') }} as key_kind,
        coalesce(
            {{ pulse_identity_attribute('raw_rows._extra', 'master') }} = 'true', false
        ) as is_master,
        {{ pulse_identity_attribute('raw_rows._extra', 'email_domain') }} as email_domain,
        {{ pulse_identity_attribute('raw_rows._extra', 'email_hash') }} as email_hash,
        {{ pulse_identity_attribute('raw_rows._extra', 'domain') }} as company_domain,
        {{ pulse_identity_attribute('raw_rows._extra', 'name') }} as organisation_name,
        raw_rows._file_id as source_file_id,
        raw_rows._row_number as source_row_number
    from raw_rows
),

final as (
    select * from attributes
    where source_system is not null
)

select * from final
