-- One row per landing file version the loader has seen.
with

source as (
    select * from {{ source('pulse_meta', 'load_ledger') }}
),

renamed as (
    select
        file_id,
        run_id,
        source as source_name,
        profile as profile_name,
        file_path,
        file_format,
        file_size as file_size_bytes,
        content_hash,
        status,
        error,
        rows_read,
        rows_loaded,
        rows_quarantined,
        coalesce(rows_excluded, 0) as rows_excluded,
        loaded_at
    from source
)

select * from renamed
