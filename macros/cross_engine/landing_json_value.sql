{#- The text of a key's value in a map made by case_insensitive_keys; NULL when absent or null. -#}
{% macro landing_json_value(record_column, key) %}
    {{ return(adapter.dispatch('landing_json_value', 'stedi_lakehouse')(record_column, key)) }}
{% endmacro %}

{% macro spark__landing_json_value(record_column, key) -%}
    try_element_at({{ record_column }}, '{{ key | lower }}')
{%- endmacro %}

{% macro athena__landing_json_value(record_column, key) -%}
    element_at({{ record_column }}, '{{ key | lower }}')
{%- endmacro %}
