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
        file_path,
        file_format,
        file_size as file_size_bytes,
        content_hash,
        status,
        error,
        rows_read,
        rows_loaded,
        rows_quarantined,
        loaded_at
    from source
)

select * from renamed
