{#
    The map of a JSON object line, from key to the value's text, or NULL when the line is not a
    JSON object. The landing models read lines this way rather than through an engine's JSON
    reader, which would match keys case-sensitively and turn malformed lines into NULLs. A line
    with a problem of its own (landing_line_problem: too long, not UTF-8) is not parsed.

    Engines' JSON readers stop after a line's first object and cannot tell `{...},{...}` or
    `{...} 5}` from one object, so the line is checked to be one object and nothing after it:
    its strings blanked out (a brace in a string is text), its innermost objects and arrays
    collapsed max_depth + 1 times, what is left must be the one collapsed object. A line whose
    objects and arrays nest deeper than max_depth inside it leaves more too, and the contract
    therefore refuses it (models/landing/_landing__sources.yml, `max_nesting_depth`). On Spark,
    a backslash of the patterns is `\\\\` (Spark SQL literals read it as an escape), and
    possessive quantifiers (`*+`) keep Java's matcher from recursing once per character of a
    string, which overflowed the stack on a 1 MB value; Trino's Joni matcher keeps its
    backtracking stack on the heap and needs no possessive form.
#}
{% macro landing_json_object(line_column, table_name) %}
    {% set contract = landing_contract(table_name) %}
    {{ return(adapter.dispatch('landing_json_object', 'stedi_lakehouse')(
        line_column, contract['max_nesting_depth'], contract['max_line_bytes'])) }}
{% endmacro %}

{#-
    Spark's parser reads the first object of `{...}{...}` and ignores trailing text, so a line
    must also begin with `{` and end with `}` (white space aside), hold no `}{` (a second
    object; also inside a string value, a line then quarantined rather than half read), and its
    first object must end where the line ends (above). This runs for every landing line,
    so the cheapest test goes first: a line is trimmed only when it does not already begin or
    end with a brace, the `}{` pattern is tried only on the few lines that hold a second `{`
    (`locate` finds it without copying the line), and a line whose only `}` is its last
    character and that holds no `[` (nothing nests inside it) needs no further look. Trimming
    every line twice took about 15 % of the accelerometer parse (BENCHMARKS.md).
-#}
{% macro spark__landing_json_object(line_column, max_depth, max_line_bytes) -%}
    case
        when
            octet_length({{ line_column }}) <= {{ max_line_bytes }}
            and (
                startswith({{ line_column }}, '{')
                or startswith(btrim({{ line_column }}, {{ spark_white_space() }}), '{')
            )
            and (
                endswith({{ line_column }}, '}')
                or endswith(btrim({{ line_column }}, {{ spark_white_space() }}), '}')
            )
            and not (
                locate('{', {{ line_column }}, locate('{', {{ line_column }}) + 1) > 0
                and {{ line_column }} rlike '[}][ \t]*[{]'
            )
            and (
                (locate('}', {{ line_column }}) = length({{ line_column }}) and locate('[', {{ line_column }}) = 0)
                or (
                    {% for _ in range(max_depth + 1) %}regexp_replace({% endfor -%}
                    regexp_replace(
                        btrim({{ line_column }}, {{ spark_white_space() }}), '"[^"\\\\]*+(?:\\\\.[^"\\\\]*+)*+"', '0'
                    )
                    {%- for _ in range(max_depth + 1) %}, '[{\\[][^{}\\[\\]]*+[}\\]]', '0'){% endfor %} = '0'
                )
            )
            then from_json(
                {{ line_column }},
                'map<string, string>',
                map('allowSingleQuotes', 'false', 'allowNonNumericNumbers', 'false')
            )
    end
{%- endmacro %}

{#-
    Like Spark's map<string, string>: strings without their quotes, numbers and booleans as
    text, nested objects and arrays as JSON. The cast keeps a JSON null as JSON 'null', which
    json_extract_scalar turns into NULL (json_format would make it the text 'null').
    json_parse runs on its own, never fused with the cast by Trino's optimizer (a cast of
    json_parse's result is rewritten into a stricter parse): on its own it keeps the last of a
    repeated key, which case_insensitive_keys then finds by counting the line's keys, so a
    repeated key gets the same reason whatever the optimizer does.
-#}
{% macro athena__landing_json_object(line_column, max_depth, max_line_bytes) -%}
    transform_values(
        -- the line's shape checked as on Spark, whatever Trino's parser accepts after the object:
        -- it begins with `{` and ends with `}` (white space aside), holds no second object, and
        -- its first object ends where the line ends
        if(
            length(to_utf8({{ line_column }})) <= {{ max_line_bytes }}
            and regexp_like({{ line_column }}, '^\s*[{]')
            and regexp_like({{ line_column }}, '[}]\s*$')
            and not regexp_like({{ line_column }}, '[}][ \t]*[{]')
            and (
                {% for _ in range(max_depth + 1) %}regexp_replace({% endfor -%}
                regexp_replace(
                    regexp_replace({{ line_column }}, '^\s+|\s+$', ''), '"([^"\\]|\\.)*"', '0'
                )
                {%- for _ in range(max_depth + 1) %}, '[{\[][^{}\[\]]*[}\]]', '0'){% endfor %} = '0'
            ),
            try(cast(json_extract(json_parse({{ line_column }}), '$') as map(varchar, json)))
        ),
        (entry_key, entry_value) -> if(
            is_json_scalar(entry_value), json_extract_scalar(entry_value, '$'), json_format(entry_value)
        )
    )
{%- endmacro %}
