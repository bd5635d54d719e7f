{#
    Reading JSON lines without trusting any engine's JSON reader: a line is parsed into a map
    from key to the value's text, and keys are looked up case-insensitively, because deliveries
    spell `timestamp` as `timeStamp`. Both give NULL instead of failing on bad input.
#}

{#- The map of a JSON object line, or NULL when the line is not a JSON object. -#}
{% macro landing_json_object(line_column) %}
    {{ return(adapter.dispatch('landing_json_object', 'stedi_lakehouse')(line_column)) }}
{% endmacro %}

{#-
    Spark's parser reads the first object of `{...}{...}` and ignores trailing text, so a line
    must also begin with `{` and end with `}` (white space aside) and hold no `}{` (a second
    object; also inside a string value, a line then quarantined rather than half read). Plain
    string functions, not regular expressions, do most of this: it runs for every landing line,
    and the `}{` pattern is only tried on the few lines that hold more than one `{`.
-#}
{% macro spark__landing_json_object(line_column) -%}
    case
        when
            startswith(btrim({{ line_column }}, {{ spark_white_space() }}), '{')
            and endswith(btrim({{ line_column }}, {{ spark_white_space() }}), '}')
            and not (
                length({{ line_column }}) - length(replace({{ line_column }}, '{', '')) > 1
                and {{ line_column }} rlike '[}][ \t]*[{]'
            )
            then from_json(
                {{ line_column }},
                'map<string, string>',
                map('allowSingleQuotes', 'false', 'allowNonNumericNumbers', 'false')
            )
    end
{%- endmacro %}


{#-
    The same map with its keys in lower case, so that a key is found however a delivery spells
    it; NULL when a key appears twice (in the same or in different case), which the landing
    models quarantine rather than guess which value counts. Done once per line: looking each key
    up by scanning the entries costs a lambda per key and entry, the slowest part of the parse.
-#}
{% macro case_insensitive_keys(record_column) %}
    {{ return(adapter.dispatch('case_insensitive_keys', 'stedi_lakehouse')(record_column)) }}
{% endmacro %}

{% macro spark__case_insensitive_keys(record_column) -%}
    case
        -- most deliveries spell every key in lower case already: nothing to rename or check
        when array_join(map_keys({{ record_column }}), '') = lower(array_join(map_keys({{ record_column }}), ''))
            then {{ record_column }}
        when size(array_distinct(transform(map_keys({{ record_column }}), k -> lower(k)))) = size({{ record_column }})
            then transform_keys({{ record_column }}, (k, v) -> lower(k))
    end
{%- endmacro %}


{#- The text of a key's value in a map made by case_insensitive_keys; NULL when absent or null. -#}
{% macro landing_json_value(record_column, key) %}
    {{ return(adapter.dispatch('landing_json_value', 'stedi_lakehouse')(record_column, key)) }}
{% endmacro %}

{% macro spark__landing_json_value(record_column, key) -%}
    try_element_at({{ record_column }}, '{{ key | lower }}')
{%- endmacro %}


{#- An e-mail as an identity: lower case, without surrounding white space of any kind; NULL when blank. -#}
{% macro normalized_email(email_column) %}
    {{ return(adapter.dispatch('normalized_email', 'stedi_lakehouse')(email_column)) }}
{% endmacro %}

{#- btrim with every character of the regular expression [\s\p{Z}] (Java's), at a fraction of its cost. -#}
{% macro spark__normalized_email(email_column) -%}
    nullif(lower(btrim({{ email_column }}, {{ spark_white_space(unicode=true) }})), '')
{%- endmacro %}
