-- Which customer each account key of each profiled system belongs to, by rules a user can
-- read and override (docs/profiles.md, "One customer across systems"). One row per
-- (source_system, external_id). The first rule that decides wins:
--   1. identity_map: seeds/identity_map.csv names the key, or one of its e-mail addresses
--      (compared by hash); two links to different customers: ambiguous_map;
--   2. crm_record: the key is a master (CRM) record's own Record ID;
--   3. crm_id: the system carries the CRM's Record ID as its key (profile key: crm_id) and
--      such a record exists;
--   4. email_domain: the key's e-mail domains (free-mail ones never count) meet the domain of
--      exactly one CRM company; a domain two companies share, or domains meeting two
--      companies: ambiguous_domain, never a guess (and no fall-back to the name);
--   5. exact_name: its organisation name (lower-cased, spaces collapsed) is exactly one CRM
--      company's; two companies of that name: ambiguous_name.
-- Otherwise unmatched: free_mail_no_map (its only addresses are free-mail ones) or no_match.
-- Evidence is pooled per key over all its rows and datasets (a Stripe customer's own
-- e-mail, its invoices' and subscriptions'), so all rows of one key go to one customer.
-- An unmatched key keeps its rows under its own key, except a name (key: name), which is
-- replaced by a pseudonym: organisation names do not go to marts.
-- A table, not a view: five staging views join it, and an engine that inlines views (Spark)
-- would otherwise re-plan these rules once per reference downstream.
{{ config(materialized='table') }}

with

records as (
    select * from {{ ref('base_identity__records') }}
),

free_mail as (
    select distinct lower(trim(domain)) as mail_domain
    from {{ ref('free_mail_domains') }}
),

identity_map as (
    select
        lower(trim(source_system)) as source_system,
        nullif(trim(external_id), '') as external_id,
        case
            when nullif(trim(email), '') is not null then {{ pulse_email_hash('email') }}
        end as email_hash,
        trim(customer_id) as customer_id
    from {{ ref('identity_map') }}
),

master_records as (
    select * from records
    where is_master
),

-- The latest version of each master record (a later CRM export restates the domain).
masters as (
    {{ dedupe_latest(
        'master_records',
        ['source_system', 'external_id'],
        order_by=['source_file_id desc', 'source_row_number desc']
    ) }}
),

master_domains as (
    select
        masters.company_domain,
        min(masters.external_id) as customer_id,
        count(distinct masters.external_id) as customers
    from masters
    where
        masters.company_domain is not null
        and masters.company_domain not in (select free_mail.mail_domain from free_mail)
    group by masters.company_domain
),

master_names as (
    select
        masters.organisation_name,
        min(masters.external_id) as customer_id,
        count(distinct masters.external_id) as customers
    from masters
    where masters.organisation_name is not null
    group by masters.organisation_name
),

keys as (
    select
        records.source_system,
        records.external_id,
        max(records.key_kind) as key_kind,
        max(case when records.is_master then 1 else 0 end) = 1 as is_master
    from records
    group by records.source_system, records.external_id
),

-- (A join, not `in (subquery)` in the select list: Spark allows predicate subqueries only
-- in filters.)
addresses as (
    select distinct
        records.source_system,
        records.external_id,
        records.email_hash,
        records.email_domain,
        free_mail.mail_domain is not null as is_free_mail
    from records
    left join free_mail on records.email_domain = free_mail.mail_domain
    where records.email_hash is not null
),

address_summary as (
    select
        addresses.source_system,
        addresses.external_id,
        count(*) as addresses,
        sum(case when addresses.is_free_mail then 1 else 0 end) as free_mail_addresses
    from addresses
    group by addresses.source_system, addresses.external_id
),

by_map_key as (
    select
        keys.source_system,
        keys.external_id,
        min(identity_map.customer_id) as customer_id,
        count(distinct identity_map.customer_id) as customers
    from keys
    inner join identity_map
        on
            keys.source_system = identity_map.source_system
            and keys.external_id = identity_map.external_id
    group by keys.source_system, keys.external_id
),

by_map_address as (
    select
        addresses.source_system,
        addresses.external_id,
        min(identity_map.customer_id) as customer_id,
        count(distinct identity_map.customer_id) as customers
    from addresses
    inner join identity_map
        on
            addresses.source_system = identity_map.source_system
            and addresses.email_hash = identity_map.email_hash
    group by addresses.source_system, addresses.external_id
),

by_crm_id as (
    select distinct
        keys.source_system,
        keys.external_id,
        masters.external_id as customer_id
    from keys
    inner join masters on keys.external_id = masters.external_id
    where keys.key_kind = 'crm_id'
),

-- A key's company domains: its addresses' (free-mail ones never count) and any company
-- domain its rows give.
evidence_domains as (
    select distinct
        addresses.source_system,
        addresses.external_id,
        addresses.email_domain as evidence_domain
    from addresses
    where addresses.email_domain is not null and not addresses.is_free_mail
    union
    select distinct
        records.source_system,
        records.external_id,
        records.company_domain as evidence_domain
    from records
    where not records.is_master and records.company_domain is not null
),

by_domain as (
    select
        evidence_domains.source_system,
        evidence_domains.external_id,
        min(master_domains.customer_id) as customer_id,
        count(distinct master_domains.customer_id) as customers,
        max(master_domains.customers) as customers_per_domain
    from evidence_domains
    inner join master_domains
        on evidence_domains.evidence_domain = master_domains.company_domain
    group by evidence_domains.source_system, evidence_domains.external_id
),

by_name as (
    select
        records.source_system,
        records.external_id,
        min(master_names.customer_id) as customer_id,
        count(distinct master_names.customer_id) as customers,
        max(master_names.customers) as customers_per_name
    from records
    inner join master_names on records.organisation_name = master_names.organisation_name
    where not records.is_master
    group by records.source_system, records.external_id
),

decided as (
    select
        keys.source_system,
        keys.external_id,
        keys.key_kind,
        keys.is_master,
        case
            when by_map_key.customers = 1 then 'identity_map'
            when by_map_key.customers > 1 then 'ambiguous_map'
            when by_map_address.customers = 1 then 'identity_map'
            when by_map_address.customers > 1 then 'ambiguous_map'
            when keys.is_master then 'crm_record'
            when by_crm_id.customer_id is not null then 'crm_id'
            when by_domain.customers = 1 and by_domain.customers_per_domain = 1
                then 'email_domain'
            when by_domain.customers >= 1 then 'ambiguous_domain'
            when by_name.customers = 1 and by_name.customers_per_name = 1 then 'exact_name'
            when by_name.customers >= 1 then 'ambiguous_name'
            when address_summary.addresses = address_summary.free_mail_addresses
                then 'free_mail_no_map'
            else 'no_match'
        end as decision,
        case
            when by_map_key.customers = 1 then by_map_key.customer_id
            when by_map_key.customers > 1 then null
            when by_map_address.customers = 1 then by_map_address.customer_id
            when by_map_address.customers > 1 then null
            when keys.is_master then keys.external_id
            when by_crm_id.customer_id is not null then by_crm_id.customer_id
            when by_domain.customers = 1 and by_domain.customers_per_domain = 1
                then by_domain.customer_id
            when by_domain.customers >= 1 then null
            when by_name.customers = 1 and by_name.customers_per_name = 1
                then by_name.customer_id
        end as matched_customer_id
    from keys
    left join by_map_key
        on
            keys.source_system = by_map_key.source_system
            and keys.external_id = by_map_key.external_id
    left join by_map_address
        on
            keys.source_system = by_map_address.source_system
            and keys.external_id = by_map_address.external_id
    left join by_crm_id
        on
            keys.source_system = by_crm_id.source_system
            and keys.external_id = by_crm_id.external_id
    left join by_domain
        on
            keys.source_system = by_domain.source_system
            and keys.external_id = by_domain.external_id
    left join by_name
        on
            keys.source_system = by_name.source_system
            and keys.external_id = by_name.external_id
    left join address_summary
        on
            keys.source_system = address_summary.source_system
            and keys.external_id = address_summary.external_id
),

final as (
    select
        decided.source_system,
        decided.external_id,
        decided.key_kind,
        decided.is_master,
        -- An unmatched key keeps its rows under its own key, a name under a pseudonym.
        coalesce(
            decided.matched_customer_id,
            case
                when decided.key_kind = 'name'
                    then {{ dbt.concat([
                        'decided.source_system',
                        "'-'",
                        dbt.hash('decided.external_id'),
                    ]) }}
                else decided.external_id
            end
        ) as customer_id,
        decided.matched_customer_id is not null as is_matched,
        case when decided.matched_customer_id is not null then decided.decision end
            as match_rule,
        case when decided.matched_customer_id is null then decided.decision end
            as unmatched_reason
    from decided
)

select * from final
