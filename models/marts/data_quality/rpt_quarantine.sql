-- The quarantine as a report: one row per quarantined landing row, without its raw values
-- (they may hold personal data; see stg_pulse_meta__quarantine). Two kinds of rows:
--   rows the loader refused (pulse_meta.quarantine: broke the landing contract), and
--   rows loaded into raw that staging holds back (int_held_back_rows, e.g. unknown_currency);
--   these are never resolved: they leave the list by themselves once their cause is fixed.
with

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

final as (
    select * from loader_quarantine
    union all
    select * from held_back
)

select * from final
