-- The days fct_customer_health_daily (re)computes in this run, one row each (ephemeral:
-- inlined into the health models, never stored). The rule is the macro
-- health_target_days_sql:
--   * No history yet, or --full-refresh: the backfill, every day of the last
--     var('health_backfill_days') days up to the as-of date.
--   * Otherwise (the daily run): the days after the last day held, up to the as-of date (one
--     day on a normal daily run; a gap is caught up, within the backfill range), plus the
--     as-of date itself (re-running a day replaces it).
--   * When the stored configuration fingerprint differs from the current one (a weight,
--     threshold, band or health var changed), every day from the first day held (or the
--     backfill start, if earlier) to the as-of date: the history is restated under the new
--     configuration.
-- Restricted to the current batch of the pulse_batched_incremental materialization
-- (pulse_in_batch; no restriction outside it).
{{ config(materialized=pulse_health_chain_materialization()) }}
-- depends_on: {{ ref('health_score_weights') }}
-- depends_on: {{ ref('health_category_thresholds') }}
-- depends_on: {{ ref('health_score_bands') }}

with

target_days as (
    {{ health_target_days_sql(health_existing_history()) }}
)

select as_of_date
from target_days
where {{ pulse_in_batch('as_of_date') }}
