{#-
    Customer identity across systems (docs/profiles.md, "One customer across systems").

    pulse_identity_attribute(extra_column, field) -> the text of one field of the identity
        object the loader writes into a profiled row's _extra under `_pulse_identity`
        (orchestration/ingest/loader.py, _identity_json): profile, dataset, key, master,
        email_domain, email_hash, domain, name. Null for a row without one (a contract
        landing file, or a profile dataset without an identity block). JSON functions differ
        per engine: DuckDB's json_extract_string, Spark's get_json_object.

    pulse_email_hash(email_expr) -> the hash an address is matched by: dbt's hash (md5 hex on
        DuckDB and Spark) of the lower-cased, trimmed address, the same the loader computes
        for the rows' addresses, so the identity map's addresses meet them without either
        side's address leaving raw or the seed.
-#}
{% macro pulse_identity_attribute(extra_column, field) -%}
    {{ return(adapter.dispatch('pulse_identity_attribute', 'pulse')(extra_column, field)) }}
{%- endmacro %}

{% macro default__pulse_identity_attribute(extra_column, field) -%}
    get_json_object({{ extra_column }}, '$._pulse_identity.{{ field }}')
{%- endmacro %}

{% macro duckdb__pulse_identity_attribute(extra_column, field) -%}
    json_extract_string({{ extra_column }}, '$._pulse_identity.{{ field }}')
{%- endmacro %}

{% macro pulse_email_hash(email_expr) -%}
    {{ dbt.hash('lower(trim(' ~ email_expr ~ '))') }}
{%- endmacro %}
