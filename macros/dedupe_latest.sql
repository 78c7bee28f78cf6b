{#-
    dedupe_latest(relation, partition_by, order_by=['_file_id desc', '_row_number desc'])
      -> a select statement (no trailing semicolon) returning, for each value of partition_by,
         the one row that sorts first by order_by: by default the row version from the file
         loaded last (raw tables are append-only; a re-exported key appears once per file).

    relation:     a relation, source(), ref() or the name of a CTE.
    partition_by: list of column names or SQL expressions forming the key.
    order_by:     list of "expression [asc|desc]".

    Portable SQL (a row_number() subquery, no qualify). The result carries every column of
    `relation` plus `_dedupe_row_number` (always 1): select explicit columns from it.
-#}
{% macro dedupe_latest(relation, partition_by, order_by=none) -%}
    {%- if partition_by is string -%}{%- set partition_by = [partition_by] -%}{%- endif -%}
    {%- if order_by is none -%}{%- set order_by = ['_file_id desc', '_row_number desc'] -%}{%- endif -%}
    {%- if order_by is string -%}{%- set order_by = [order_by] -%}{%- endif -%}
    select ranked.*
    from (
        select
            dedupe_source.*,
            row_number() over (
                partition by {{ partition_by | join(', ') }}
                order by {{ order_by | join(', ') }}
            ) as _dedupe_row_number
        from {{ relation }} as dedupe_source
    ) as ranked
    where ranked._dedupe_row_number = 1
{%- endmacro %}
