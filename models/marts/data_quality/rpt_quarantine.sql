-- The quarantine as a report: one row per quarantined landing row, without its raw values
-- (they may hold personal data; see stg_pulse_meta__quarantine). Two kinds of rows:
--   rows the loader refused (pulse_meta.quarantine: broke the landing contract), and
--   rows loaded into raw that staging holds back (int_held_back_rows, e.g. unknown_currency);
--   these are never resolved: they leave the list by themselves once their cause is fixed.
-- profile_name (from the file's ledger entry) names the vendor profile a row was read with;
-- such a row's reasons name the export's own column(s) beside the contract column.
with

ledger as (
    select
        file_id,
        profile_name
    from {{ ref('stg_pulse_meta__load_ledger') }}
),

loader_quarantine as (
    select
        quarantine.source_name,
        quarantine.file_id,
        quarantine.file_path,
        quarantine.row_number,
        quarantine.primary_key,
        quarantine.reason_code,
        quarantine.reasons,
        quarantine.quarantined_at,
        quarantine.is_resolved,
        quarantine.resolved_at
    from {{ ref('stg_pulse_meta__quarantine') }} as quarantine
),

held_back as (
    select
        held_back.source_name,
        held_back.file_id,
        held_back.file_path,
        held_back.row_number,
        held_back.primary_key,
        held_back.reason_code,
        held_back.reasons,
        held_back.quarantined_at,
        false as is_resolved,
        cast(null as {{ dbt.type_timestamp() }}) as resolved_at
    from {{ ref('int_held_back_rows') }} as held_back
),

quarantined as (
    select * from loader_quarantine
    union all
    select * from held_back
),

final as (
    select
        quarantined.source_name,
        ledger.profile_name,
        quarantined.file_id,
        quarantined.file_path,
        quarantined.row_number,
        quarantined.primary_key,
        quarantined.reason_code,
        quarantined.reasons,
        quarantined.quarantined_at,
        quarantined.is_resolved,
        quarantined.resolved_at
    from quarantined
    left join ledger on quarantined.file_id = ledger.file_id
)

select * from final
