{#-
    An e-mail as an identity: lower case, without surrounding white space of any kind; NULL when
    blank. The same SQL on every engine: blank_as_null holds what differs.
-#}
{% macro normalized_email(email_column) -%}
    lower({{ blank_as_null(email_column) }})
{%- endmacro %}
