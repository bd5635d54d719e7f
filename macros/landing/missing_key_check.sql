{#-
    A `when` of a landing model's rejection_reason: a required key that is absent or null (models
    pass an e-mail normalised, so a blank one counts as absent).
-#}
{% macro missing_key_check(key, text_column) -%}
    when {{ text_column }} is null then 'missing required key {{ key }}'
{%- endmacro %}
