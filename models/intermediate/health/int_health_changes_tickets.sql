-- The support signals as changes (see int_health_changes_product). A ticket counts in the
-- trailing window (var health_support_window_days) from its creation day; its resolution time
-- on a day is fixed once it is resolved by the end of that day, else it grows with the day
-- (open so far). So each ticket is up to three causes:
--   in the window:  tickets +1, ticket_load + its weight, created_date .. + window;
--   open:           open_tickets +1, open_created_minutes + its creation minute (minutes
--                   since 1970), from creation to its resolution day (or the window's end);
--   resolved:       resolved_minutes + its resolution time in minutes (never negative),
--                   from its resolution day to the window's end.
-- On a day d the mean resolution time is (resolved_minutes + open_tickets x minute(d + 1)
-- - open_created_minutes) / tickets: a ticket still open counts until the end of d.
{%- set support_days = var('health_support_window_days') | int %}
{%- set epoch = "cast('1970-01-01' as timestamp)" %}

with

tickets as (
    select
        customer_id,
        created_at,
        created_date,
        resolved_at,
        ticket_weight,
        cast({{ dbt.dateadd('day', support_days, 'created_date') }} as date) as window_end,
        -- resolved by the end of this day; a resolution before creation counts from creation
        case
            when resolved_at is not null
                then greatest(cast(resolved_at as date), created_date)
        end as resolved_date
    from {{ ref('int_health_tickets') }}
),

entries as (
    select
        customer_id,
        created_date as start_day,
        window_end as expires_day,
        1 as tickets,
        ticket_weight as ticket_load,
        0 as open_tickets,
        0 as open_created_minutes,
        0 as resolved_minutes
    from tickets
    union all
    select
        customer_id,
        created_date as start_day,
        case
            when resolved_date is not null and resolved_date < window_end then resolved_date
            else window_end
        end as expires_day,
        0 as tickets,
        0 as ticket_load,
        1 as open_tickets,
        {{ pulse_minutes_between(epoch, 'created_at') }}
            as open_created_minutes,
        0 as resolved_minutes
    from tickets
    where resolved_date is null or resolved_date > created_date
    union all
    select
        customer_id,
        resolved_date as start_day,
        window_end as expires_day,
        0 as tickets,
        0 as ticket_load,
        0 as open_tickets,
        0 as open_created_minutes,
        greatest(0, {{ pulse_minutes_between('created_at', 'resolved_at') }})
            as resolved_minutes
    from tickets
    where resolved_date < window_end
),

final as (
    {%- set totals = ['tickets', 'open_tickets', 'open_created_minutes', 'resolved_minutes'] %}
    select
        customer_id,
        start_day as change_day,
        expires_day,
        {%- for column in totals %}
            cast({{ column }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        cast(ticket_load as {{ pulse_type_double() }}) as ticket_load
    from entries
    union all
    select
        customer_id,
        expires_day as change_day,
        expires_day,
        {%- for column in totals %}
            cast(-1 * {{ column }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        cast(-1 * ticket_load as {{ pulse_type_double() }}) as ticket_load
    from entries
)

select * from final
