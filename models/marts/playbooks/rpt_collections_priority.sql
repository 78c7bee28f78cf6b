-- What finance should chase first: one row per invoice overdue on the as-of date
-- (rpt_invoice_aging.is_overdue), amounts in the reporting currency, ranked by risk points,
-- then the open amount. Risk points = the aging bucket's position among the overdue buckets
-- (bucket_order - 1 of seeds/aging_buckets.csv: 1-30 days 1 ... 90+ 4) + the points of the
-- customer's payer category (rpt_payment_delay_by_customer; var
-- playbook_collections_payer_points) + the points of its health category on the as-of date
-- (dim_customer_health; var playbook_collections_health_points; no score: 0).
-- Per invoice, not per customer: reminders and payments are per invoice; the customer's
-- total overdue amount is carried on each of its rows.
{%- set payer_points = var('playbook_collections_payer_points') %}
{%- set health_points = var('playbook_collections_health_points') %}
with

overdue as (
    select * from {{ ref('rpt_invoice_aging') }}
    where is_overdue
),

payers as (
    select
        customer_id,
        payer_category,
        on_time_rate_pct
    from {{ ref('rpt_payment_delay_by_customer') }}
),

health as (
    select
        customer_id,
        health_category
    from {{ ref('dim_customer_health') }}
),

scored as (
    select
        overdue.*,
        payers.payer_category,
        payers.on_time_rate_pct,
        health.health_category,
        overdue.bucket_order - 1 as aging_points,
        case payers.payer_category
            {%- for category, points in payer_points.items() %}
                when '{{ category }}' then {{ points }}
            {%- endfor %}
            else 0
        end as payer_points,
        case health.health_category
            {%- for category, points in health_points.items() %}
                when '{{ category }}' then {{ points }}
            {%- endfor %}
            else 0
        end as health_points,
        sum(overdue.open_amount) over (partition by overdue.customer_id)
            as customer_overdue_amount
    from overdue
    left join payers on overdue.customer_id = payers.customer_id
    left join health on overdue.customer_id = health.customer_id
),

final as (
    select
        cast(row_number() over (
            order by
                aging_points + payer_points + health_points desc,
                open_amount desc,
                invoice_id asc
        ) as {{ dbt.type_int() }}) as priority_rank,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(company_name as {{ dbt.type_string() }}) as company_name,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(as_of_date as date) as as_of_date,
        cast(reporting_currency as {{ dbt.type_string() }}) as reporting_currency,
        cast(due_at as date) as due_at,
        cast(days_past_due as {{ dbt.type_int() }}) as days_past_due,
        cast(aging_bucket as {{ dbt.type_string() }}) as aging_bucket,
        cast(open_amount as decimal(18, 4)) as open_amount,
        cast(customer_overdue_amount as decimal(18, 4)) as customer_overdue_amount,
        cast(reminders_sent as {{ dbt.type_int() }}) as reminders_sent,
        cast(payer_category as {{ dbt.type_string() }}) as payer_category,
        cast(on_time_rate_pct as {{ pulse_type_double() }}) as on_time_rate_pct,
        cast(health_category as {{ dbt.type_string() }}) as health_category,
        cast(aging_points as {{ dbt.type_int() }}) as aging_points,
        cast(payer_points as {{ dbt.type_int() }}) as payer_points,
        cast(health_points as {{ dbt.type_int() }}) as health_points,
        cast(aging_points + payer_points + health_points as {{ dbt.type_int() }})
            as risk_points
    from scored
)

select * from final
