{#-
    pulse_node_relation(model_name) -> the relation of this project's model model_name as it
        exists in the warehouse now, or none (not built yet, or not executing). For macros that
        look at a table at run time without making it a dependency of the calling model.
-#}
{% macro pulse_node_relation(model_name) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) -%}
    {%- if node is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.alias or node.name
    )) }}
{%- endmacro %}
