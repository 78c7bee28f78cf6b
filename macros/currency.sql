{#-
    Currency handling. Rates live in the seed `exchange_rates` (currency, valid_from,
    rate_to_usd = USD per one unit). Everything is converted into var('reporting_currency').

    clean_currency(currency_col) -> varchar expression: the code trimmed and upper-cased;
        null or '' means the reporting currency.

    exchange_rate_to_usd(currency_expr, date_expr) -> decimal expression: the rate of the
        currency valid on the date, i.e. the row with the latest valid_from <= date; when the
        date is before every valid_from of that currency, its earliest rate. Null for a
        currency the seed does not know. (Correlated scalar subqueries: portable SQL.)

    convert_currency(amount_col, currency_col, date_col) -> decimal(18, 4) expression: the
        amount in the reporting currency, at the rate valid on date_col.
        - currency null/'' or equal to the reporting currency: the amount unchanged;
        - an unknown currency: null (staging never converts one: it holds such rows back,
          see known_currencies);
        - otherwise amount * rate_to_usd(currency, date) / rate_to_usd(reporting, date).

    known_currencies() -> a select of one column, `currency`: the codes staging can convert,
        i.e. the reporting currency and every currency of the seed. Staging keeps a row whose
        clean_currency() is in it and holds the others back (reason `unknown_currency`, see
        int_held_back_rows). Computed at build time, so a currency added to the seed makes
        its held-back rows load on the next build. Use it as `x in ({{ known_currencies() }})`
        in a WHERE clause (portable: an IN subquery).
-#}

{% macro clean_currency(currency_col) -%}
    coalesce(nullif(upper(trim({{ currency_col }})), ''), '{{ var("reporting_currency") | upper }}')
{%- endmacro %}


{% macro exchange_rate_to_usd(currency_expr, date_expr) -%}
    {{ return(adapter.dispatch('exchange_rate_to_usd', 'pulse')(currency_expr, date_expr)) }}
{%- endmacro %}


{% macro default__exchange_rate_to_usd(currency_expr, date_expr) -%}
    {%- for expr in [currency_expr, date_expr] -%}
        {%- if (expr | string | trim | lower) in ['currency', 'valid_from', 'rate_to_usd'] -%}
            {{ exceptions.raise_compiler_error(
                "exchange_rate_to_usd/convert_currency: qualify the column '" ~ expr
                ~ "' with its table alias (it would bind to the exchange_rates seed's column)"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set rates = ref('exchange_rates') -%}
    (
        select fx_rate.rate_to_usd
        from {{ rates }} as fx_rate
        where
            fx_rate.currency = upper(trim({{ currency_expr }}))
            and fx_rate.valid_from = coalesce(
                (
                    select max(fx_before.valid_from)
                    from {{ rates }} as fx_before
                    where
                        fx_before.currency = upper(trim({{ currency_expr }}))
                        and fx_before.valid_from <= cast({{ date_expr }} as date)
                ),
                (
                    select min(fx_first.valid_from)
                    from {{ rates }} as fx_first
                    where fx_first.currency = upper(trim({{ currency_expr }}))
                )
            )
    )
{%- endmacro %}


{#- Spark: the same rate, from two correlated subqueries of one level each (Spark cannot
    resolve an outer column two subqueries deep): the latest rate valid on the date, else the
    currency's earliest. The seed has one row per (currency, valid_from). -#}
{% macro spark__exchange_rate_to_usd(currency_expr, date_expr) -%}
    {%- set rates = ref('exchange_rates') -%}
    coalesce(
        (
            select max_by(fx_before.rate_to_usd, fx_before.valid_from)
            from {{ rates }} as fx_before
            where
                fx_before.currency = upper(trim({{ currency_expr }}))
                and fx_before.valid_from <= cast({{ date_expr }} as date)
        ),
        (
            select min_by(fx_first.rate_to_usd, fx_first.valid_from)
            from {{ rates }} as fx_first
            where fx_first.currency = upper(trim({{ currency_expr }}))
        )
    )
{%- endmacro %}


{% macro convert_currency(amount_col, currency_col, date_col) -%}
    {%- set reporting = var('reporting_currency') | upper -%}
    case
        when
            coalesce(trim({{ currency_col }}), '') = ''
            or upper(trim({{ currency_col }})) = '{{ reporting }}'
            then cast({{ amount_col }} as decimal(18, 4))
        else cast(
            -- widen first: decimal(18, 4) times an 8-decimal rate overflows DuckDB's 18-digit
            -- decimal product from 1,000,000 up
            cast({{ amount_col }} as decimal(38, 4))
            * {{ exchange_rate_to_usd(currency_col, date_col) }}
            {%- if reporting != 'USD' %}
            / {{ exchange_rate_to_usd("'" ~ reporting ~ "'", date_col) }}
            {%- endif %}
            as decimal(18, 4)
        )
    end
{%- endmacro %}


{% macro known_currencies() -%}
    select fx_known.currency from {{ ref('exchange_rates') }} as fx_known
    union
    select '{{ var("reporting_currency") | upper }}' as currency
{%- endmacro %}
