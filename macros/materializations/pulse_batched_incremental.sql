{#-
    Materialization pulse_batched_incremental: an incremental table written in batches of a
    date column, so that a large (re)computation never holds more than one batch in memory.

    Config:
        batch_column   the date column that splits the table (each batch replaces its days);
        batches_macro  name of a macro returning the batches of this run, a list of
                       [first_day, last_day] (ISO dates), oldest first, each a run of
                       consecutive days;
        partition_by   (Spark) the same column: one partition per day.

    The model's SQL restricts itself to the current batch with pulse_in_batch(column), which
    renders a range with two placeholders; this materialization substitutes each batch's days
    and, per batch, deletes those days and inserts the batch's rows (DuckDB and the default),
    or overwrites their partitions (Spark). Batches run oldest first, so a batch's SQL can read
    the days earlier batches wrote (fct_customer_health_daily reads the score 30 days before).

    The table is created empty from the model's contract before the first batch (first run or
    --full-refresh), so the SQL may always read {{ this }}: is_incremental() is true under this
    materialization (macros/is_incremental.sql).
-#}

{#- The placeholders; outside this materialization they leave the range open. -#}
{% macro pulse_batch_placeholders() -%}
    {{ return({
        'first': "cast('0001-01-01' as date) /* pulse_batch_first_day */",
        'last': "cast('9999-12-31' as date) /* pulse_batch_last_day */",
    }) }}
{%- endmacro %}


{#- pulse_batch_sql(sql, first_day, last_day) -> sql restricted to first_day..last_day. -#}
{% macro pulse_batch_sql(sql, first_day, last_day) -%}
    {%- set placeholders = pulse_batch_placeholders() -%}
    {{ return(sql
        | replace(placeholders['first'], "cast('" ~ first_day ~ "' as date)")
        | replace(placeholders['last'], "cast('" ~ last_day ~ "' as date)")) }}
{%- endmacro %}


{#- pulse_in_batch(column) -> boolean: column lies in the current batch's days. -#}
{% macro pulse_in_batch(column) -%}
    {%- set placeholders = pulse_batch_placeholders() -%}
    {{ column }} between {{ placeholders['first'] }} and {{ placeholders['last'] }}
{%- endmacro %}


{% materialization pulse_batched_incremental, default %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set batch_column = config.require('batch_column') -%}
    {%- set batches_macro = config.require('batches_macro') -%}
    {%- if not config.get('contract').enforced -%}
        {{ exceptions.raise_compiler_error(
            'pulse_batched_incremental creates its table from the contract: model '
            ~ model.name ~ ' needs contract: {enforced: true}'
        ) }}
    {%- endif -%}

    {{ run_hooks(pre_hooks) }}

    {%- if existing_relation is not none and (should_full_refresh() or existing_relation.type != 'table') %}
        {{ adapter.drop_relation(existing_relation) }}
        {%- set existing_relation = none %}
    {%- endif %}
    {%- if existing_relation is none %}
        {% call statement('create_empty') -%}
            {{ pulse_create_empty_table(target_relation, batch_column) }}
        {%- endcall %}
    {%- endif %}
    {#- the contract check runs the SQL: on an empty batch (last day before first), so it is cheap -#}
    {{ get_assert_columns_equivalent(pulse_batch_sql(sql, '9999-12-31', '0001-01-01')) }}

    {%- set batches = context[batches_macro]() %}
    {%- for batch in batches %}
        {%- set batch_sql = pulse_batch_sql(sql, batch[0], batch[1]) %}
        {{ log(model.name ~ ': batch ' ~ loop.index ~ '/' ~ batches | length ~ ', '
            ~ batch[0] ~ ' to ' ~ batch[1], info=true) }}
        {{ pulse_replace_batch(target_relation, batch_sql, batch_column, batch[0], batch[1]) }}
    {%- endfor %}
    {%- if batches | length == 0 %}
        {{ log(model.name ~ ': no day to compute', info=true) }}
    {%- endif %}

    {% call statement('main') -%}
        select count(*) from {{ target_relation }}
    {%- endcall %}

    {{ run_hooks(post_hooks) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- The empty table, columns and types from the contract. -#}
{% macro pulse_create_empty_table(relation, batch_column) -%}
    {{ return(adapter.dispatch('pulse_create_empty_table', 'pulse')(relation, batch_column)) }}
{%- endmacro %}

{% macro default__pulse_create_empty_table(relation, batch_column) -%}
    create table {{ relation }} {{ get_table_columns_and_constraints() }}
{%- endmacro %}


{#- Replace the days first_day..last_day of relation with the rows of batch_sql. -#}
{% macro pulse_replace_batch(relation, batch_sql, batch_column, first_day, last_day) -%}
    {{ return(adapter.dispatch('pulse_replace_batch', 'pulse')(
        relation, batch_sql, batch_column, first_day, last_day
    )) }}
{%- endmacro %}

{% macro default__pulse_replace_batch(relation, batch_sql, batch_column, first_day, last_day) -%}
    {%- set columns = model.columns.keys() | list -%}
    {%- call statement('delete_batch') -%}
        delete from {{ relation }}
        where {{ batch_column }} between cast('{{ first_day }}' as date)
            and cast('{{ last_day }}' as date)
    {%- endcall -%}
    {%- call statement('insert_batch') -%}
        insert into {{ relation }} ({{ columns | join(', ') }})
        select {{ columns | join(', ') }}
        from ({{ batch_sql }}) as batch_rows
    {%- endcall -%}
{%- endmacro %}


{#- Spark: a Parquet table partitioned by the batch column (one partition per day). -#}
{% macro spark__pulse_create_empty_table(relation, batch_column) -%}
    create table {{ relation }} {{ get_table_columns_and_constraints() }}
    using parquet
    partitioned by ({{ batch_column }})
{%- endmacro %}


{#- Spark: the batch is staged in a table first (the model's SQL reads the target table, which
    Spark will not overwrite while reading it), then overwrites the partitions of its days
    (dynamic partition overwrite: spark.sql.sources.partitionOverwriteMode=dynamic in the
    profile; a day of the batch that yields no row at all keeps its old partition). The
    partition column goes last, as Spark expects. -#}
{% macro spark__pulse_replace_batch(relation, batch_sql, batch_column, first_day, last_day) -%}
    {%- set columns = model.columns.keys() | reject('equalto', batch_column) | list -%}
    {%- set staged = relation.incorporate(path={'identifier': relation.identifier ~ '__batch'}) -%}
    {%- call statement('drop_staged') -%}
        drop table if exists {{ staged }}
    {%- endcall -%}
    {%- call statement('stage_batch') -%}
        create table {{ staged }} using parquet as
        select * from ({{ batch_sql }}) as batch_rows
    {%- endcall -%}
    {%- call statement('insert_batch') -%}
        insert overwrite table {{ relation }} partition ({{ batch_column }})
        select {{ columns | join(', ') }}, {{ batch_column }}
        from {{ staged }}
    {%- endcall -%}
    {%- call statement('drop_staged_after') -%}
        drop table if exists {{ staged }}
    {%- endcall -%}
{%- endmacro %}
