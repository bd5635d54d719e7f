{#-
    The rejection_reason of a landing line of a customer erased on request (seed
    erased_customers): the parsed models keep such a line as a row of lineage only, with no
    value and no text of the line, so that landing_rejected_records accounts for it.
-#}
{% macro erasure_reason() -%}
    'customer erased on request'
{%- endmacro %}
