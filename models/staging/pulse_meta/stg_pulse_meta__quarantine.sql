-- One row per quarantined landing row. raw_record may hold personal data (it is the row as
-- delivered): it stays here, in staging, and is not carried into any mart.
with

source as (
    select * from {{ source('pulse_meta', 'quarantine') }}
),

renamed as (
    select
        source as source_name,
        file_id,
        file_path,
        row_number,
        primary_key,
        reason_code,
        reasons,
        raw_record,
        quarantined_at,
        resolved_by_file_id,
        resolved_at,
        resolved_by_file_id is not null as is_resolved
    from source
)

select * from renamed
