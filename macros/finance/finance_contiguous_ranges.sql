{#-
    Model-level generic test: the integer ranges [lower_column, upper_column] of the rows,
    taken in `order_by` order, tile [start_value, infinity) with no gap and no overlap:
      - the first range starts at start_value;
      - every next range starts at the previous upper bound + 1;
      - only the last range may be open-ended (upper bound null);
      - no range ends before it starts.
    Fails with one row per offending range. Used on the aging_buckets seed:

        data_tests:
          - finance_contiguous_ranges:
              arguments:
                lower_column: min_days_past_due
                upper_column: max_days_past_due
                order_by: bucket_order
                start_value: 0
-#}
{% test finance_contiguous_ranges(model, lower_column, upper_column, order_by, start_value=0) %}

with

ranges as (
    select
        {{ lower_column }} as range_lower,
        {{ upper_column }} as range_upper,
        lag({{ upper_column }}) over (order by {{ order_by }}) as previous_upper,
        row_number() over (order by {{ order_by }}) as range_position,
        count(*) over () as range_count
    from {{ model }}
)

select *
from ranges
where
    range_lower is null
    or (range_position = 1 and range_lower <> {{ start_value }})
    or (range_position > 1 and (previous_upper is null or range_lower <> previous_upper + 1))
    or (range_upper is null and range_position < range_count)
    or range_upper < range_lower

{% endtest %}
