-- One row per alert episode: a rule fires for a customer on some day, the episode stays open
-- while the rule's (looser) hold condition keeps holding and closes on the first day it does
-- not. Recomputed from the stored history every run (a table, never incremental), so the
-- episodes and their alert_id are the same whatever order the days were built in.
--
-- Rules (thresholds: vars in dbt_project.yml; README "Alerts"):
--   below_floor       opens: score < floor; holds: score < floor + hysteresis
--   score_drop        opens: score_change_30d < -drop; holds: < -(drop - hysteresis)
--   turned_unhealthy  opens and holds: category = 'unhealthy' (the category is its own band)
--   invoice_overdue   opens and holds: an invoice more than N days past due is open
--
-- Cost: the history (fct_customer_health_daily, 40 M rows at SF10) is read once, filtered to
-- the rows where some hold condition is true; then one window (day minus row_number: the
-- islands of consecutive days) and one group by. A day without a history row (no active
-- subscription) breaks an island: "no score" closes an episode. The invoices are spans (a
-- start day and an end day per invoice), merged per customer without expanding to days.
{%- set floor = var('health_attention_floor_score') | float %}
{%- set drop = var('health_attention_drop_points') | float %}
{%- set hysteresis = var('health_alert_hysteresis_points') | float %}
{%- set overdue_days = var('health_alert_overdue_days') | int %}
{%- if hysteresis < 0 or hysteresis >= drop %}
    {{ exceptions.raise_compiler_error(
        "var health_alert_hysteresis_points must be >= 0 and below health_attention_drop_points"
    ) }}
{%- endif %}
{%- set as_of = pulse_as_of_date() %}

with

held as (
    -- the history rows on which at least one score rule's hold condition is true
    select
        customer_id,
        as_of_date as score_day,
        health_score,
        score_change_30d,
        health_category
    from {{ ref('fct_customer_health_daily') }}
    where
        as_of_date <= {{ as_of }}
        and (
            health_score < {{ floor + hysteresis }}
            or score_change_30d < -{{ drop - hysteresis }}
            or health_category = 'unhealthy'
        )
),

score_rules as (
    select 'below_floor' as rule_name
    union all
    select 'score_drop' as rule_name
    union all
    select 'turned_unhealthy' as rule_name
),

rule_days as (
    -- one row per customer, score rule and day on which the rule holds; is_opening: the
    -- stricter condition that opens an episode
    select
        held.customer_id,
        score_rules.rule_name,
        held.score_day,
        coalesce(case score_rules.rule_name
            when 'below_floor' then held.health_score < {{ floor }}
            when 'score_drop' then held.score_change_30d < -{{ drop }}
            else held.health_category = 'unhealthy'
        end, false) as is_opening
    from held
    cross join score_rules
    where
        case score_rules.rule_name
            when 'below_floor' then held.health_score < {{ floor + hysteresis }}
            when 'score_drop' then held.score_change_30d < -{{ drop - hysteresis }}
            else held.health_category = 'unhealthy'
        end
),

numbered as (
    select
        customer_id,
        rule_name,
        score_day,
        is_opening,
        row_number() over (partition by customer_id, rule_name order by score_day) as day_number
    from rule_days
),

islands as (
    -- consecutive days share day - row_number (gaps and islands)
    select
        customer_id,
        rule_name,
        score_day,
        is_opening,
        cast({{ dbt.dateadd('day', '-day_number', 'score_day') }} as date) as island
    from numbered
),

score_episodes as (
    -- an island opens an episode on its first opening day (its earlier days only held) and
    -- the episode lasts to the island's end; an island that never opens is no episode
    select
        customer_id,
        rule_name,
        min(case when is_opening then score_day end) as opened_on,
        max(score_day) as last_day
    from islands
    group by customer_id, rule_name, island
    having min(case when is_opening then score_day end) is not null
),

history_start as (
    select min(as_of_date) as first_day
    from {{ ref('fct_customer_health_daily') }}
    where as_of_date <= {{ as_of }}
),

overdue_spans as (
    -- each invoice's days more than N days past due (days past due as
    -- int_invoice_payment_status counts them: whole days from due_at): from due_at + N + 1
    -- up to the day before it was paid in full (paid_date, exclusive; null = still open on
    -- the as-of date), starting no earlier than the history
    select
        invoices.customer_id,
        invoices.invoice_id,
        case
            when
                cast({{ dbt.dateadd('day', overdue_days + 1, 'invoices.due_at') }} as date)
                > history_start.first_day
                then cast({{ dbt.dateadd('day', overdue_days + 1, 'invoices.due_at') }} as date)
            else history_start.first_day
        end as span_start,
        invoices.paid_date as span_end
    from {{ ref('int_invoice_payment_status') }} as invoices
    cross join history_start
),

overdue_kept as (
    select *
    from overdue_spans
    where
        span_start <= {{ as_of }}
        and (span_end is null or span_end > span_start)
),

overdue_covered as (
    -- the latest end of the earlier spans of the customer (an open span: never ends)
    select
        customer_id,
        invoice_id,
        span_start,
        span_end,
        max(coalesce(span_end, cast('9999-12-31' as date))) over (
            partition by customer_id
            order by span_start, invoice_id
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from overdue_kept
),

overdue_grouped as (
    -- a span starting after every earlier span ended starts a new episode (a span starting
    -- the day another ends continues it: no day without an overdue invoice in between)
    select
        customer_id,
        span_start,
        span_end,
        sum(
            case when covered_until is null or span_start > covered_until then 1 else 0 end
        ) over (
            partition by customer_id
            order by span_start, invoice_id
            rows between unbounded preceding and current row
        ) as episode_number
    from overdue_covered
),

invoice_episodes as (
    select
        customer_id,
        'invoice_overdue' as rule_name,
        min(span_start) as opened_on,
        case when count(*) = count(span_end) then max(span_end) end as closed_on
    from overdue_grouped
    group by customer_id, episode_number
),

episodes as (
    select
        customer_id,
        rule_name,
        opened_on,
        case
            when last_day < {{ as_of }}
                then cast({{ dbt.dateadd('day', 1, 'last_day') }} as date)
        end as closed_on
    from score_episodes
    union all
    select
        customer_id,
        rule_name,
        opened_on,
        closed_on
    from invoice_episodes
),

opened_days as (
    select distinct
        customer_id,
        opened_on
    from episodes
),

opening_day as (
    -- the score on the day each episode opened (a semi-join: the history rows of those days)
    select
        history.customer_id,
        history.as_of_date,
        history.health_score,
        history.score_change_30d
    from {{ ref('fct_customer_health_daily') }} as history
    inner join opened_days as opened
        on
            history.customer_id = opened.customer_id
            and history.as_of_date = opened.opened_on
),

customers as (
    select
        customer_id,
        company_name,
        owner  -- noqa: RF04
    from {{ ref('int_customers') }}
),

current_state as (
    select
        customer_id,
        current_mrr
    from {{ ref('dim_customer_health') }}
),

described as (
    {%- set score_text = pulse_number_text('opening_day.health_score', 1) %}
    {%- set drop_text = pulse_number_text('-opening_day.score_change_30d', 0) %}
    select
        episodes.*,
        customers.company_name,
        customers.owner,
        opening_day.health_score as score_at_opening,
        coalesce(current_state.current_mrr, 0) as current_mrr,
        {{ as_of }} as as_of_date,
        case episodes.rule_name
            when 'below_floor' then {{ dbt.concat([
                "'score '", score_text,
                "' below floor " ~ ('%g' | format(floor)) ~ " (closes at "
                    ~ ('%g' | format(floor + hysteresis)) ~ " or above)'"]) }}
            when 'score_drop' then {{ dbt.concat([
                "'dropped '", drop_text,
                "' points in 30 days (more than " ~ ('%g' | format(drop))
                    ~ "; closes at a drop of " ~ ('%g' | format(drop - hysteresis))
                    ~ " or less)'"]) }}
            when 'turned_unhealthy' then {{ dbt.concat([
                "'turned unhealthy (score '", score_text, "')'"]) }}
            else 'an invoice more than {{ overdue_days }} days past due'
        end as reason
    from episodes
    left join opening_day
        on
            episodes.customer_id = opening_day.customer_id
            and episodes.opened_on = opening_day.as_of_date
    left join customers on episodes.customer_id = customers.customer_id
    left join current_state on episodes.customer_id = current_state.customer_id
),

final as (
    select
        cast({{ dbt.hash(dbt.concat([
            "described.customer_id", "'|'", "described.rule_name", "'|'",
            "cast(described.opened_on as " ~ dbt.type_string() ~ ")"
        ])) }} as {{ dbt.type_string() }}) as alert_id,
        cast(described.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(described.company_name as {{ dbt.type_string() }}) as company_name,
        cast(described.owner as {{ dbt.type_string() }}) as owner,  -- noqa: RF04
        cast(described.rule_name as {{ dbt.type_string() }}) as rule,  -- noqa: RF04
        cast(described.reason as {{ dbt.type_string() }}) as reason,
        cast(described.opened_on as date) as opened_on,
        cast(described.closed_on as date) as closed_on,
        described.closed_on is null as is_open,
        cast(
            case
                when described.closed_on is null
                    then
                        {{ finance_days_between('described.opened_on', 'described.as_of_date') }}
                        + 1
                else {{ finance_days_between('described.opened_on', 'described.closed_on') }}
            end as {{ dbt.type_int() }}
        ) as days_open,
        cast(described.score_at_opening as {{ pulse_type_double() }}) as score_at_opening,
        cast(described.current_mrr as decimal(18, 4)) as current_mrr,
        cast(described.as_of_date as date) as as_of_date
    from described
)

select * from final
