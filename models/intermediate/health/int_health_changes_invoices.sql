-- The payments signals as changes (see int_health_changes_product). An invoice counts from
-- its due date to relevant_until (int_health_invoices: var health_payments_window_days days
-- after due, or longer while unpaid); on a day d it is unpaid while paid_date > d, and its
-- days late are d - due while unpaid, paid_date - due (never negative) once paid. So each
-- invoice is a few causes, each counted from start_day to expires_day (exclusive):
--   counted:      invoices +1, invoice_amount + its amount, due .. relevant_until + 1;
--   unpaid:       unpaid_invoices +1, unpaid_due_days + its due day (days since 1970), due ..
--                 paid (its days late on d are then d - due, summed as
--                 unpaid_invoices x day(d) - unpaid_due_days);
--   unpaid late:  late_invoices +1, from the day after due until paid;
--   past due:     past_due_amount + what is still owed (amount - payments made by then, never
--                 negative), from the day after due until paid, one cause per stretch
--                 between its partial payments;
--   paid:         paid_days_late + its days late, and late_invoices +1 when paid after due,
--                 from payment to relevant_until + 1.
-- Reminders count in the same trailing window from the day they are sent.
{%- set payments_days = var('health_payments_window_days') | int %}
{%- set far_future = "cast('9999-12-31' as date)" %}

with

invoices as (
    select
        invoice_id,
        customer_id,
        due_at,
        amount,
        paid_date,
        cast({{ dbt.dateadd('day', 1, 'due_at') }} as date) as late_from,
        -- the first day counted as paid (an invoice paid before due is paid from due on)
        case when paid_date is not null then greatest(paid_date, due_at) end as paid_from,
        case
            when paid_date is not null
                then cast({{ dbt.dateadd('day', 1, 'relevant_until') }} as date)
            else {{ far_future }}
        end as counted_until
    from {{ ref('int_health_invoices') }}
),

payments as (
    select
        invoice_id,
        paid_at,
        amount
    from {{ ref('int_payments_converted') }}
),

late_invoices as (
    -- invoices with at least one day unpaid and past due
    select
        invoice_id,
        customer_id,
        amount,
        late_from,
        coalesce(paid_from, {{ far_future }}) as late_until
    from invoices
    where paid_from is null or paid_from > late_from
),

late_stretch_starts as (
    select
        invoice_id,
        late_from as start_day
    from late_invoices
    union
    select
        payments.invoice_id,
        payments.paid_at as start_day
    from payments
    inner join late_invoices
        on
            payments.invoice_id = late_invoices.invoice_id
            and payments.paid_at > late_invoices.late_from
            and payments.paid_at < late_invoices.late_until
),

late_stretches as (
    select
        stretch_starts.invoice_id,
        late_invoices.customer_id,
        late_invoices.amount,
        stretch_starts.start_day,
        coalesce(
            lead(stretch_starts.start_day) over (
                partition by stretch_starts.invoice_id order by stretch_starts.start_day
            ),
            late_invoices.late_until
        ) as expires_day
    from late_stretch_starts as stretch_starts
    inner join late_invoices on stretch_starts.invoice_id = late_invoices.invoice_id
),

late_stretch_owed as (
    select
        late_stretches.customer_id,
        late_stretches.start_day,
        late_stretches.expires_day,
        greatest(
            0, late_stretches.amount - coalesce(sum(payments.amount), 0)
        ) as past_due_amount
    from late_stretches
    left join payments
        on
            late_stretches.invoice_id = payments.invoice_id
            and late_stretches.start_day >= payments.paid_at
    group by
        late_stretches.invoice_id,
        late_stretches.customer_id,
        late_stretches.amount,
        late_stretches.start_day,
        late_stretches.expires_day
),

reminders as (
    select
        invoices.customer_id,
        cast(reminders.sent_at as date) as sent_date
    from {{ ref('stg_billing__payment_reminders') }} as reminders
    inner join invoices on reminders.invoice_id = invoices.invoice_id
),

entries as (
    select
        customer_id,
        due_at as start_day,
        counted_until as expires_day,
        1 as invoices,
        amount as invoice_amount,
        0 as unpaid_invoices,
        0 as unpaid_due_days,
        0 as late_invoices,
        0 as past_due_amount,
        0 as paid_days_late,
        0 as reminders
    from invoices
    union all
    select
        customer_id,
        due_at as start_day,
        coalesce(paid_from, {{ far_future }}) as expires_day,
        0 as invoices,
        0 as invoice_amount,
        1 as unpaid_invoices,
        {{ health_day_number('due_at') }}
            as unpaid_due_days,
        0 as late_invoices,
        0 as past_due_amount,
        0 as paid_days_late,
        0 as reminders
    from invoices
    where paid_from is null or paid_from > due_at
    union all
    select
        customer_id,
        late_from as start_day,
        late_until as expires_day,
        0 as invoices,
        0 as invoice_amount,
        0 as unpaid_invoices,
        0 as unpaid_due_days,
        1 as late_invoices,
        0 as past_due_amount,
        0 as paid_days_late,
        0 as reminders
    from late_invoices
    union all
    select
        customer_id,
        start_day,
        expires_day,
        0 as invoices,
        0 as invoice_amount,
        0 as unpaid_invoices,
        0 as unpaid_due_days,
        0 as late_invoices,
        past_due_amount,
        0 as paid_days_late,
        0 as reminders
    from late_stretch_owed
    union all
    select
        customer_id,
        paid_from as start_day,
        counted_until as expires_day,
        0 as invoices,
        0 as invoice_amount,
        0 as unpaid_invoices,
        0 as unpaid_due_days,
        case when paid_date > due_at then 1 else 0 end as late_invoices,
        0 as past_due_amount,
        greatest(0, {{ dbt.datediff('due_at', 'paid_date', 'day') }}) as paid_days_late,
        0 as reminders
    from invoices
    where paid_from is not null
    union all
    select
        customer_id,
        sent_date as start_day,
        cast({{ dbt.dateadd('day', payments_days, 'sent_date') }} as date) as expires_day,
        0 as invoices,
        0 as invoice_amount,
        0 as unpaid_invoices,
        0 as unpaid_due_days,
        0 as late_invoices,
        0 as past_due_amount,
        0 as paid_days_late,
        1 as reminders
    from reminders
),

final as (
    {%- set counts = [
        'invoices', 'unpaid_invoices', 'unpaid_due_days', 'late_invoices', 'paid_days_late',
        'reminders',
    ] %}
    select
        customer_id,
        start_day as change_day,
        expires_day,
        {%- for column in counts %}
            cast({{ column }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        invoice_amount,
        past_due_amount
    from entries
    union all
    select
        customer_id,
        expires_day as change_day,
        expires_day,
        {%- for column in counts %}
            cast(-1 * {{ column }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        -1 * invoice_amount as invoice_amount,
        -1 * past_due_amount as past_due_amount
    from entries
    where expires_day < {{ far_future }}
)

select * from final
