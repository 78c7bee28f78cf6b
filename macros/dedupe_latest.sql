{#-
    dedupe_latest(relation, partition_by, order_by=none, updated_at=none)
      -> a select statement (no trailing semicolon) returning, for each value of partition_by,
         the one row that sorts first by order_by. The default order is the rule of the
         landing contract ("which version of a key wins"):
           1. the newest `updated_at` (when the source has that optional column: pass its
              name as updated_at); a version without it loses to one with it;
           2. then the version from the file loaded last (_file_id, which grows with the load
              order; raw tables are append-only, so a re-exported key appears once per file);
           3. then the later row of that file (_row_number).
         An older export that arrives late therefore never overwrites a newer one that says
         when it was changed.

    relation:     a relation, source(), ref() or the name of a CTE.
    partition_by: list of column names or SQL expressions forming the key.
    order_by:     list of "expression [asc|desc] [nulls first|last]"; replaces the default.
    updated_at:   the column of `relation` holding the export's last-change time, or none for
                  a source without it (events that are never restated).

    Portable SQL (a row_number() subquery, no qualify; NULLS LAST is spelt out because
    engines differ in where they sort nulls). The result carries every column of `relation`
    plus `_dedupe_row_number` (always 1): select explicit columns from it.
-#}
{% macro dedupe_latest(relation, partition_by, order_by=none, updated_at=none) -%}
    {%- if partition_by is string -%}{%- set partition_by = [partition_by] -%}{%- endif -%}
    {%- if order_by is none -%}
        {%- set order_by = ['_file_id desc', '_row_number desc'] -%}
        {%- if updated_at is not none -%}
            {%- set order_by = [updated_at ~ ' desc nulls last'] + order_by -%}
        {%- endif -%}
    {%- endif -%}
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
