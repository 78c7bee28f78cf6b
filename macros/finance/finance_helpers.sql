{#-
    Finance helpers. All of them render portable SQL.

    finance_invoice_exists(invoice_alias) -> boolean expression: the invoice counts for
        finance as of pulse_as_of_date(): it is not void (status of its latest export; 'paid'
        and 'open' from the export are informative only) and it was issued on or before the
        as-of date. The single definition every finance model filters invoices with.

    finance_days_between(start_date, end_date) -> integer expression: whole days from
        start_date to end_date (negative when end_date is earlier), via dbt.datediff.
-#}
{% macro finance_invoice_exists(invoice_alias) -%}
    (
        coalesce({{ invoice_alias }}.status, '') <> 'void'
        and {{ invoice_alias }}.issued_at <= {{ pulse_as_of_date() }}
    )
{%- endmacro %}


{% macro finance_days_between(start_date, end_date) -%}
    cast({{ dbt.datediff(start_date, end_date, 'day') }} as {{ dbt.type_int() }})
{%- endmacro %}


{#-
    finance_in_aging_bucket(days_expr, bucket_alias) -> boolean expression (a join condition):
        days_expr falls in the aging bucket `bucket_alias` (a row of the aging_buckets seed):
        min_days_past_due <= days <= max_days_past_due, an empty max being open-ended.
-#}
{% macro finance_in_aging_bucket(days_expr, bucket_alias) -%}
    {{ days_expr }} >= {{ bucket_alias }}.min_days_past_due
    and (
        {{ bucket_alias }}.max_days_past_due is null
        or {{ days_expr }} <= {{ bucket_alias }}.max_days_past_due
    )
{%- endmacro %}


{#-
    finance_reporting_currency() -> varchar literal: the ISO code of var('reporting_currency'),
        the currency every converted money column is in (so tables describe themselves).
-#}
{% macro finance_reporting_currency() -%}
    cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }})
{%- endmacro %}
