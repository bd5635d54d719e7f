{#- An e-mail as an identity: lower case, without surrounding white space of any kind; NULL when blank. -#}
{% macro normalized_email(email_column) %}
    {{ return(adapter.dispatch('normalized_email', 'stedi_lakehouse')(email_column)) }}
{% endmacro %}

{% macro default__normalized_email(email_column) %}
    {{ unsupported_adapter('normalized_email') }}
{% endmacro %}

{#- btrim with every character of the regular expression [\s\p{Z}] (Java's), at a fraction of its cost. -#}
{% macro spark__normalized_email(email_column) -%}
    nullif(lower(btrim({{ email_column }}, {{ spark_white_space(unicode=true) }})), '')
{%- endmacro %}

{#- Java regular expressions as on Spark; a Trino string literal keeps its backslashes. -#}
{% macro athena__normalized_email(email_column) -%}
    nullif(lower(regexp_replace({{ email_column }}, '^[\s\p{Z}]+|[\s\p{Z}]+$', '')), '')
{%- endmacro %}
