-- Account keys of other systems that match no CRM customer, per system and dataset, with the
-- reason: what a user fixes with a row in seeds/identity_map.csv (or in the CRM). Their rows
-- are loaded all the same, under the key itself (or a pseudonym for a name). No e-mail
-- address and no name here: a key that is an organisation's name is shown only as its hash,
-- and of the e-mail evidence only the domains that are not free-mail ones.
with

resolution as (
    select * from {{ ref('base_identity__resolution') }}
    where not is_matched
),

records as (
    select * from {{ ref('base_identity__records') }}
),

free_mail as (
    select distinct lower(trim(domain)) as mail_domain
    from {{ ref('free_mail_domains') }}
),

unmatched_records as (
    select
        records.source_system,
        records.dataset,
        records.external_id,
        records.email_domain,
        resolution.key_kind,
        resolution.customer_id,
        resolution.unmatched_reason
    from records
    inner join resolution
        on
            records.source_system = resolution.source_system
            and records.external_id = resolution.external_id
),

company_domains as (
    select distinct
        unmatched_records.source_system,
        unmatched_records.dataset,
        unmatched_records.external_id,
        unmatched_records.email_domain
    from unmatched_records
    where
        unmatched_records.email_domain is not null
        and unmatched_records.email_domain not in (select free_mail.mail_domain from free_mail)
),

domain_lists as (
    select
        company_domains.source_system,
        company_domains.dataset,
        company_domains.external_id,
        {{ pulse_listagg('company_domains.email_domain', ', ', ['company_domains.email_domain']) }}
            as email_domains
    from company_domains
    group by company_domains.source_system, company_domains.dataset, company_domains.external_id
),

per_dataset as (
    select
        unmatched_records.source_system,
        unmatched_records.dataset,
        unmatched_records.external_id,
        max(unmatched_records.key_kind) as key_kind,
        max(unmatched_records.customer_id) as customer_id,
        max(unmatched_records.unmatched_reason) as reason,
        count(*) as raw_rows
    from unmatched_records
    group by
        unmatched_records.source_system,
        unmatched_records.dataset,
        unmatched_records.external_id
),

final as (
    select
        per_dataset.source_system,
        per_dataset.dataset,
        case when per_dataset.key_kind <> 'name' then per_dataset.external_id end
            as external_id,
        {{ dbt.hash('per_dataset.external_id') }} as external_id_hash,
        per_dataset.customer_id as loaded_as_customer_id,
        per_dataset.reason,
        domain_lists.email_domains,
        per_dataset.raw_rows
    from per_dataset
    left join domain_lists
        on
            per_dataset.source_system = domain_lists.source_system
            and per_dataset.dataset = domain_lists.dataset
            and per_dataset.external_id = domain_lists.external_id
)

select * from final
