{#- A `when` of a landing model's rejection_reason: a value present that does not cast to its type. -#}
{% macro wrong_type_check(key, text_column, typed_column, type_name) -%}
    when {{ text_column }} is not null and {{ typed_column }} is null
        then '{{ key }} is not {{ type_name }}: ' || {{ text_column }}
{%- endmacro %}
