{#-
    The `rubric_compatible` var as a SQL boolean literal, so that a model states its strict rule
    once, as `where {{ rubric_compatible() }} or <strict condition>`, with no branches of SQL
    text to lint and read. The engines fold the constant away.
-#}
{% macro rubric_compatible() -%}
    {{ 'true' if var('rubric_compatible') else 'false' }}
{%- endmacro %}
