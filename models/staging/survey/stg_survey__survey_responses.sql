-- One row per survey response: the latest exported version of each response_id.
-- An empty scale_max takes the survey type's default (var survey_default_scale_max).
{{ config(contract={'enforced': true}) }}

with

cleaned as (
    select
        trim(response_id) as response_id,
        trim(customer_id) as customer_id,
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
        deduped.customer_id,
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
)

select * from final
