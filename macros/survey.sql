{#-
    survey_default_scale_max(survey_type_col) -> integer expression: the default top of the
    scale of the (already lower-cased) survey type, from var('survey_default_scale_max')
    (csat 5, nps 10, ces 7 by default); null for a type the var does not list.
-#}
{% macro survey_default_scale_max(survey_type_col) -%}
    {%- set defaults = var('survey_default_scale_max') -%}
    case {{ survey_type_col }}
        {%- for survey_type, scale_max in defaults.items() | sort %}
        when '{{ survey_type | lower }}' then {{ scale_max | int }}
        {%- endfor %}
    end
{%- endmacro %}
