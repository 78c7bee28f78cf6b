-- What each profiled row says about its customer: one row per raw row version whose profile
-- dataset has an identity block (the loader's _pulse_identity object in _extra). Every loaded
-- version counts as evidence; int_identity_resolution keeps the latest version of a master
-- record. No e-mail address is here: the loader keeps only its domain and hash.
{%- set identity_sources = [
    ('crm', 'customers'),
    ('billing', 'invoices'),
    ('billing', 'subscriptions'),
    ('support', 'support_tickets'),
    ('survey', 'survey_responses'),
] %}

with

raw_rows as (
    {%- for system, table in identity_sources %}
    select
        '{{ table }}' as source_name,
        trim(customer_id) as external_id,
        _extra,
        _file_id,
        _row_number
    from {{ source(system, table) }}
    where _extra is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

attributes as (
    select
        raw_rows.source_name,
        {{ pulse_identity_attribute('raw_rows._extra', 'profile') }} as source_system,
        {{ pulse_identity_attribute('raw_rows._extra', 'dataset') }} as dataset,
        raw_rows.external_id,
        {{ pulse_identity_attribute('raw_rows._extra', 'key') }} as key_kind,
        {{ pulse_identity_attribute('raw_rows._extra', 'master') }} = 'true' as is_master,
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
