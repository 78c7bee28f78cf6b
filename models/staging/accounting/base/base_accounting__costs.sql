-- One row per month, account and department: the key's latest version (the newest
-- updated_at, else the file loaded last; macros/dedupe_latest.sql), cleaned, in ANY currency.
-- month is normalised to the first day of its month before the de-duplication: an export may
-- date a month by its first or its last day, and both spellings are the same key. An empty
-- department becomes '' (never null) so that the key is a plain three-column key.
-- stg_accounting__costs keeps the versions in a known currency; int_held_back_rows lists the
-- others.
with

cleaned as (
    select
        {{ pulse_month('month') }} as month,  -- noqa: RF04
        trim(account) as account,  -- noqa: RF04
        coalesce(lower(trim(department)), '') as department,
        trim(cost_category) as cost_category,
        amount as amount_local,
        {{ clean_currency('currency') }} as currency,
        updated_at,
        _file_id,
        _row_number,
        _loaded_at
    from {{ source('accounting', 'costs') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['month', 'account', 'department'], updated_at='updated_at') }}
),

final as (
    select
        deduped.month,
        deduped.account,
        deduped.department,
        deduped.cost_category,
        deduped.amount_local,
        deduped.currency,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number,
        deduped._loaded_at as source_loaded_at
    from deduped
)

select * from final
