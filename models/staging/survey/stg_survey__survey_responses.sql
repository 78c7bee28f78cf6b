-- One row per survey response: the latest exported version of each response_id.
-- An empty scale_max takes the survey type's default (var survey_default_scale_max).
-- customer_id: a profiled row's account key resolved to the CRM customer
-- (base_identity__resolution, docs/profiles.md "One customer across systems"); a row of a
-- contract landing file keeps its own.
-- A table, not a view: several models and many tests read it, each computing a view again.
{{ config(materialized='table', contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(response_id) as response_id,
        trim(customer_id) as customer_id,
        {{ pulse_identity_attribute('_extra', 'profile') }} as identity_system,
        lower(trim(survey_type)) as survey_type,
        score,
        scale_max,
        responded_at,
        nullif(lower(trim(channel)), '') as channel,
        nullif(trim(touchpoint), '') as touchpoint,
        nullif(trim(ticket_id), '') as ticket_id,
        nullif(trim(comment), '') as comment,
        _file_id,
        _row_number
    from {{ source('survey', 'survey_responses') }}
),

deduped as (
    {{ dedupe_latest('cleaned', ['response_id']) }}
),

final as (
    select
        deduped.response_id,
        coalesce(resolved.customer_id, deduped.customer_id) as customer_id,
        deduped.survey_type,
        deduped.score,
        coalesce(
            deduped.scale_max,
            {{ survey_default_scale_max('deduped.survey_type') }}
        ) as scale_max,
        deduped.responded_at,
        deduped.channel,
        deduped.touchpoint,
        deduped.ticket_id,
        deduped.comment,
        deduped._file_id as source_file_id,
        deduped._row_number as source_row_number
    from deduped
    left join {{ ref('base_identity__resolution') }} as resolved
        on
            deduped.identity_system = resolved.source_system
            and deduped.customer_id = resolved.external_id
)

select * from final
