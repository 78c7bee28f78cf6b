-- One row per landing file version: what was loaded, rejected and quarantined, and whether
-- the file reconciles (rows read = rows loaded + rows quarantined + rows excluded).
-- Rows the loader took into raw but staging holds back (int_held_back_rows, e.g.
-- unknown_currency) count as quarantined, not loaded, as they are listed in rpt_quarantine:
-- rows_held_back says how many; they move back to rows_loaded once their cause is fixed.
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

held_back as (
    select
        file_id,
        count(*) as rows_held_back
    from {{ ref('int_held_back_rows') }}
    group by file_id
),

counted as (
    select
        ledger.file_id,
        ledger.source_name,
        ledger.profile_name,
        ledger.file_path,
        ledger.file_format,
        ledger.file_size_bytes,
        ledger.status,
        ledger.error,
        ledger.rows_read,
        ledger.rows_loaded - coalesce(held_back.rows_held_back, 0) as rows_loaded,
        ledger.rows_quarantined + coalesce(held_back.rows_held_back, 0) as rows_quarantined,
        ledger.rows_excluded,
        coalesce(held_back.rows_held_back, 0) as rows_held_back,
        coalesce(resolved.rows_quarantined_resolved, 0) as rows_quarantined_resolved,
        ledger.loaded_at
    from ledger
    left join resolved on ledger.file_id = resolved.file_id
    left join held_back on ledger.file_id = held_back.file_id
),

final as (
    select
        file_id,
        source_name,
        profile_name,
        file_path,
        file_format,
        file_size_bytes,
        status,
        error,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_excluded,
        rows_held_back,
        rows_quarantined_resolved,
        rows_read = rows_loaded + rows_quarantined + rows_excluded as is_reconciled,
        loaded_at
    from counted
)

select * from final
