{#-
    health_target_days_sql(history) -> a select of the days fct_customer_health_daily
        (re)computes, one column as_of_date, one row per day. history: the existing
        fct_customer_health_daily relation (macro health_existing_history()), or none for a
        first run / --full-refresh. Shared by the ephemeral model int_health_target_days (which
        inlines it into the health models) and the macro health_batches (which splits the same
        days into batches before the model runs), so both always agree on the days.
-#}
{% macro health_target_days_sql(history) -%}
    with

    bounds as (
        select
            cast({{ dbt.dateadd(
                'day', 1 - (var('health_backfill_days') | int), pulse_as_of_date()
            ) }} as date) as history_start,
            {{ pulse_as_of_date() }} as as_of_date
    ),

    {%- if history is not none %}

    held as (
        select
            min(history.as_of_date) as first_day,
            max(history.as_of_date) as last_day,
            sum(
                case when history.config_fingerprint = {{ health_config_fingerprint() }} then 0 else 1 end
            ) as stale_rows
        from {{ history }} as history
    ),

    spine_bounds as (
        select
            case
                when held.first_day < bounds.history_start then held.first_day
                else bounds.history_start
            end as start_day,
            bounds.as_of_date as end_day
        from bounds
        cross join held
    ),

    {%- else %}

        spine_bounds as (
            select
                bounds.history_start as start_day,
                bounds.as_of_date as end_day
            from bounds
        ),

    {%- endif %}

    days as (
        {{ health_day_spine('spine_bounds') }}
    ),

    final as (
        select days.day as as_of_date
        from days
        cross join bounds
        {%- if history is not none %}
        cross join held
        {%- endif %}
        where
            days.day <= bounds.as_of_date
            {%- if history is none %}
                and days.day >= bounds.history_start
            {%- else %}
            and (
                days.day = bounds.as_of_date
                or (
                    days.day >= bounds.history_start
                    and (held.last_day is null or days.day > held.last_day)
                )
                or held.stale_rows > 0
            )
            {%- endif %}
    )

    select * from final
{%- endmacro %}


{#-
    health_batches() -> the batches of the pulse_batched_incremental materialization of
        fct_customer_health_daily: a list of [first_day, last_day] (ISO dates), each a run of
        consecutive target days (health_target_days_sql) of at most
        var('health_batch_customer_days') / (customers) days, oldest first. The health chain
        holds every (customer, day, signal) of a batch at once (the percentile ranks sort them),
        so bounding customer-days bounds memory whatever the customer count: a 400-day backfill
        of 10,000 customers is 2 batches, of 100,000 customers 14.
-#}
{#- (no ref(): a ref here would be a dependency every unit test of the model must feed) -#}
{% macro health_batches() -%}
    {%- set days_query -%}
        select target_days.as_of_date
        from ({{ health_target_days_sql(health_existing_history()) }}) as target_days
        order by target_days.as_of_date
    {%- endset -%}
    {%- set days = run_query(days_query).columns[0].values() -%}
    {%- set customers_query -%}
        select count(distinct customer_id) from {{ pulse_node_relation('stg_billing__subscriptions') }}
    {%- endset -%}
    {%- set customers = run_query(customers_query).columns[0].values()[0] | int -%}
    {%- set max_days = [1, (var('health_batch_customer_days') | int) // ([customers, 1] | max)]
        | max -%}
    {%- set batches = [] -%}
    {%- for day in days -%}
        {%- set previous = batches[-1] if batches else none -%}
        {%- if previous is not none
            and (day - previous['last']).days == 1
            and (day - previous['first']).days < max_days -%}
            {%- do previous.update({'last': day}) -%}
        {%- else -%}
            {%- do batches.append({'first': day, 'last': day}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set result = [] -%}
    {%- for batch in batches -%}
        {%- do result.append([batch['first'] | string, batch['last'] | string]) -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}
