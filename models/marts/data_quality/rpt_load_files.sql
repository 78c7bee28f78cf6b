-- One row per landing file version: what was loaded, rejected and quarantined, and whether
-- the file reconciles (rows read = rows loaded + rows quarantined).
with

ledger as (
    select * from {{ ref('stg_pulse_meta__load_ledger') }}
),

resolved as (
    select
        file_id,
        count(*) as rows_quarantined_resolved
    from {{ ref('stg_pulse_meta__quarantine') }}
    where is_resolved
    group by file_id
),

final as (
    select
        ledger.file_id,
        ledger.source_name,
        ledger.file_path,
        ledger.file_format,
        ledger.file_size_bytes,
        ledger.status,
        ledger.error,
        ledger.rows_read,
        ledger.rows_loaded,
        ledger.rows_quarantined,
        coalesce(resolved.rows_quarantined_resolved, 0) as rows_quarantined_resolved,
        ledger.rows_read = ledger.rows_loaded + ledger.rows_quarantined as is_reconciled,
        ledger.loaded_at
    from ledger
    left join resolved on ledger.file_id = resolved.file_id
)

select * from final
