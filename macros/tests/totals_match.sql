{#-
    Model-level generic test: aggregates of this model equal aggregates of another model, per
    group (or overall when group_by is empty). Fails with one row per group whose totals
    differ; a group missing on one side counts as 0 there.

    Either `columns` (sum of each column on both sides: "a breakdown adds up to its total")
    or `measures` (an expression per side) says what to compare:

        data_tests:
          - totals_match:
              arguments:
                compare_model: ref('fct_csat_monthly')
                group_by: [month]
                columns: [responses, satisfied]
          - totals_match:
              arguments:
                compare_model: ref('rpt_invoice_aging')
                group_by: [aging_bucket, segment]
                measures:
                  - {expression: "sum(invoices)", compare_expression: "count(*)"}
                compare_where: "segment <> 'unknown'"   # optional filter on compare_model

    The test's own `where` config filters this model (dbt applies it to `model`).
    `tolerance` (default 0) allows a rounding difference.
-#}
{% test totals_match(
    model, compare_model, group_by=[], columns=none, measures=none, compare_where=none,
    tolerance=0
) %}

{%- set keys = group_by if group_by is not string else [group_by] -%}
{%- if measures is none -%}
    {%- set measures = [] -%}
    {%- for column in columns -%}
        {%- do measures.append({
            'expression': 'sum(' ~ column ~ ')', 'compare_expression': 'sum(' ~ column ~ ')'
        }) -%}
    {%- endfor -%}
{%- endif -%}

with

this_side as (
    select
        {%- for key in keys %}
        {{ key }} as group_key_{{ loop.index }},
        {%- endfor %}
        {%- for measure in measures %}
        {{ measure['expression'] }} as measure_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
    {%- if keys %}
    group by {{ keys | join(', ') }}
    {%- endif %}
),

other_side as (
    select
        {%- for key in keys %}
        {{ key }} as group_key_{{ loop.index }},
        {%- endfor %}
        {%- for measure in measures %}
        {{ measure['compare_expression'] }} as measure_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ compare_model }}
    {%- if compare_where is not none %}
    where {{ compare_where }}
    {%- endif %}
    {%- if keys %}
    group by {{ keys | join(', ') }}
    {%- endif %}
)

select
    {%- for key in keys %}
    coalesce(this_side.group_key_{{ loop.index }}, other_side.group_key_{{ loop.index }})
        as {{ key }},
    {%- endfor %}
    {%- for measure in measures %}
    this_side.measure_{{ loop.index }} as this_{{ loop.index }},
    other_side.measure_{{ loop.index }} as other_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
from this_side
full outer join other_side
    on
    {%- if keys %}
    {%- for key in keys %}
        {{ 'and ' if not loop.first }}this_side.group_key_{{ loop.index }}
        = other_side.group_key_{{ loop.index }}
    {%- endfor %}
    {%- else %}
        1 = 1
    {%- endif %}
where
    {%- for measure in measures %}
    {{ 'or ' if not loop.first }}abs(
        coalesce(this_side.measure_{{ loop.index }}, 0)
        - coalesce(other_side.measure_{{ loop.index }}, 0)
    ) > {{ tolerance }}
    {%- endfor %}

{% endtest %}
