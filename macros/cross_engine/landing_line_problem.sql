{#
    Why a landing line cannot be parsed at all, or NULL: longer than the contract's
    `max_line_bytes` ('line too long'), or not UTF-8 ('not valid UTF-8'). The replacement
    character U+FFFD counts as not UTF-8 too: it is what a reader puts in place of bytes that are
    not (Athena's text reader does so before SQL sees the line), and no producer means it as
    data. The loader gives the same reasons (stedi_lakehouse/shared/contract.py).
#}
{% macro landing_line_problem(line_column, table_name) %}
    {% set max_line_bytes = landing_contract(table_name)['max_line_bytes'] %}
    {{ return(adapter.dispatch('landing_line_problem', 'stedi_lakehouse')(line_column, max_line_bytes)) }}
{% endmacro %}

{#- Spark's text reader keeps a line's bytes as they are, so is_valid_utf8 sees them. -#}
{% macro spark__landing_line_problem(line_column, max_line_bytes) -%}
    case
        when octet_length({{ line_column }}) > {{ max_line_bytes }} then 'line too long'
        when not is_valid_utf8({{ line_column }}) or contains({{ line_column }}, '\uFFFD')
            then 'not valid UTF-8'
    end
{%- endmacro %}

{% macro athena__landing_line_problem(line_column, max_line_bytes) -%}
    case
        when length(to_utf8({{ line_column }})) > {{ max_line_bytes }} then 'line too long'
        when strpos({{ line_column }}, chr(65533)) > 0 then 'not valid UTF-8'
    end
{%- endmacro %}
