{#- A text without surrounding white space of any kind (Java's \s and \p{Z}); NULL when nothing is left. -#}
{% macro blank_as_null(text_column) %}
    {{ return(adapter.dispatch('blank_as_null', 'stedi_lakehouse')(text_column)) }}
{% endmacro %}

{#- btrim with every character of the regular expression [\s\p{Z}], at a fraction of its cost. -#}
{% macro spark__blank_as_null(text_column) -%}
    nullif(btrim({{ text_column }}, {{ spark_white_space(unicode=true) }}), '')
{%- endmacro %}

{#- Java regular expressions as on Spark; a Trino string literal keeps its backslashes. -#}
{% macro athena__blank_as_null(text_column) -%}
    nullif(regexp_replace({{ text_column }}, '^[\s\p{Z}]+|[\s\p{Z}]+$', ''), '')
{%- endmacro %}
