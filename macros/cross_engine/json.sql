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
    must also begin with `{`, end with `}` and hold no `}{` (a second object; also inside a
    string value, a line then quarantined rather than half read).
-#}
{% macro spark__landing_json_object(line_column) -%}
    case
        when
            {{ line_column }} rlike '^\\s*[{].*[}]\\s*$'
            and not {{ line_column }} rlike '[}][ \t]*[{]'
            then from_json(
                {{ line_column }},
                'map<string, string>',
                map('allowSingleQuotes', 'false', 'allowNonNumericNumbers', 'false')
            )
    end
{%- endmacro %}


{#- The text of a key's value in such a map, the key matched case-insensitively; NULL when absent or null. -#}
{% macro landing_json_value(record_column, key) %}
    {{ return(adapter.dispatch('landing_json_value', 'stedi_lakehouse')(record_column, key)) }}
{% endmacro %}

{% macro spark__landing_json_value(record_column, key) -%}
    get(filter(map_entries({{ record_column }}), entry -> lower(entry.key) = '{{ key | lower }}'), 0).value
{%- endmacro %}


{#- An e-mail as an identity: lower case, without surrounding white space of any kind; NULL when blank. -#}
{% macro normalized_email(email_column) %}
    {{ return(adapter.dispatch('normalized_email', 'stedi_lakehouse')(email_column)) }}
{% endmacro %}

{% macro spark__normalized_email(email_column) -%}
    nullif(lower(regexp_replace({{ email_column }}, '^[\\s\\p{Z}]+|[\\s\\p{Z}]+$', '')), '')
{%- endmacro %}
