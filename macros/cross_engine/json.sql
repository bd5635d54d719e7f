{#
    Reading JSON lines without trusting any engine's JSON reader: a line is parsed into a map
    from key to the value's text, and keys are looked up case-insensitively, because deliveries
    spell `timestamp` as `timeStamp`. Both give NULL instead of failing on bad input.
#}

{#- The map of a JSON object line, or NULL when the line is not a JSON object. -#}
{% macro landing_json_object(line_column) %}
    {{ return(adapter.dispatch('landing_json_object', 'stedi_lakehouse')(line_column)) }}
{% endmacro %}

{% macro spark__landing_json_object(line_column) -%}
    from_json({{ line_column }}, 'map<string, string>')
{%- endmacro %}


{#- The text of a key's value in such a map, the key matched case-insensitively; NULL when absent or null. -#}
{% macro landing_json_value(record_column, key) %}
    {{ return(adapter.dispatch('landing_json_value', 'stedi_lakehouse')(record_column, key)) }}
{% endmacro %}

{% macro spark__landing_json_value(record_column, key) -%}
    get(filter(map_entries({{ record_column }}), entry -> lower(entry.key) = '{{ key | lower }}'), 0).value
{%- endmacro %}
