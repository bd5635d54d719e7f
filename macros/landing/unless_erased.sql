{#-
    A column of a parsed landing line, NULL when the line is of a customer erased on request:
    the row stays as lineage (file and rejection_reason), without the customer's data.
-#}
{% macro unless_erased(column) -%}
    case when not is_erased then {{ column }} end
{%- endmacro %}
