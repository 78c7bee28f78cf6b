-- The quarantine as a report: one row per quarantined landing row, without its raw values
-- (they may hold personal data; see stg_pulse_meta__quarantine).
with

quarantine as (
    select * from {{ ref('stg_pulse_meta__quarantine') }}
),

final as (
    select
        source_name,
        file_id,
        file_path,
        row_number,
        primary_key,
        reason_code,
        reasons,
        quarantined_at,
        is_resolved,
        resolved_at
    from quarantine
)

select * from final
