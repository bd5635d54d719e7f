{#
    True when a line that begins with `{` and ends with `}` is one object and nothing after it:
    its strings blanked out (a brace in a string is text), its innermost objects and arrays
    collapsed max_depth + 1 times, what is left must be the one collapsed object. `{...},{...}`
    and `{...} 5}` leave more, and so does a line whose objects and arrays nest deeper than
    max_depth inside it, which the contract therefore refuses too
    (models/landing/_landing__sources.yml, `max_nesting_depth`). Engines' JSON readers stop
    after the first object and cannot tell.
#}
{% macro landing_line_is_one_object(line_column, max_depth) %}
    {{ return(adapter.dispatch('landing_line_is_one_object', 'stedi_lakehouse')(line_column, max_depth)) }}
{% endmacro %}

{% macro default__landing_line_is_one_object(line_column, max_depth) %}
    {{ unsupported_adapter('landing_line_is_one_object') }}
{% endmacro %}

{#-
    Spark SQL literals read a backslash as an escape: `\\\\` is one backslash of the pattern.
    Possessive quantifiers (`*+`) keep Java's matcher from recursing once per character of a
    string, which overflowed the stack on a 1 MB value.
-#}
{% macro spark__landing_line_is_one_object(line_column, max_depth) -%}
    {% for _ in range(max_depth + 1) %}regexp_replace({% endfor -%}
    regexp_replace(
        btrim({{ line_column }}, {{ spark_white_space() }}), '"[^"\\\\]*+(?:\\\\.[^"\\\\]*+)*+"', '0'
    )
    {%- for _ in range(max_depth + 1) %}, '[{\\[][^{}\\[\\]]*+[}\\]]', '0'){% endfor %} = '0'
{%- endmacro %}

{#- Trino's Joni matcher keeps its backtracking stack on the heap: no possessive form needed. -#}
{% macro athena__landing_line_is_one_object(line_column, max_depth) -%}
    {% for _ in range(max_depth + 1) %}regexp_replace({% endfor -%}
    regexp_replace(
        regexp_replace({{ line_column }}, '^\s+|\s+$', ''), '"([^"\\]|\\.)*"', '0'
    )
    {%- for _ in range(max_depth + 1) %}, '[{\[][^{}\[\]]*[}\]]', '0'){% endfor %} = '0'
{%- endmacro %}
