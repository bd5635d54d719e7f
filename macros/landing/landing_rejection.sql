{#
    Pieces of a landing model's `rejection_reason`: a key that must be present, and a value
    that is present but does not cast to its type. Reasons read as one short sentence.
#}
{% macro missing_key_check(key, text_column) -%}
    when {{ text_column }} is null then 'missing required key {{ key }}'
{%- endmacro %}

{% macro wrong_type_check(key, text_column, typed_column, type_name) -%}
    when {{ text_column }} is not null and {{ typed_column }} is null
        then '{{ key }} is not {{ type_name }}: ' || {{ text_column }}
{%- endmacro %}
