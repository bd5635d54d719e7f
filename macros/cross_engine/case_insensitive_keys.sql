{#
    The map of landing_json_object with its keys in lower case, so that a key is found however a
    delivery spells it (`timeStamp`); NULL when a key appears twice (in the same or in different
    case), which the landing models quarantine rather than guess which value counts. Done once
    per line: looking each key up by scanning the entries costs a lambda per key and entry.
#}
{% macro case_insensitive_keys(record_column, line_column) %}
    {{ return(adapter.dispatch('case_insensitive_keys', 'stedi_lakehouse')(record_column, line_column)) }}
{% endmacro %}

{#- Spark's map keeps every entry of a repeated key, so the map alone shows the repeat. -#}
{% macro spark__case_insensitive_keys(record_column, line_column) -%}
    case
        -- most deliveries spell every key in lower case already: nothing to rename, and only
        -- a key repeated in the same spelling to find (the parsed map keeps both entries)
        when array_join(map_keys({{ record_column }}), '') = lower(array_join(map_keys({{ record_column }}), ''))
            then if(size(array_distinct(map_keys({{ record_column }}))) = size({{ record_column }}), {{ record_column }}, null)
        when size(array_distinct(transform(map_keys({{ record_column }}), k -> lower(k)))) = size({{ record_column }})
            then transform_keys({{ record_column }}, (k, v) -> lower(k))
    end
{%- endmacro %}

{#-
    Trino's json_parse keeps one entry of a repeated key, so the keys of the line itself are
    counted: json_size reads the text as it is, every repeat included.
-#}
{% macro athena__case_insensitive_keys(record_column, line_column) -%}
    if(
        try(json_size({{ line_column }}, '$')) = cardinality(map_keys({{ record_column }}))
        and cardinality(array_distinct(transform(map_keys({{ record_column }}), entry_key -> lower(entry_key))))
        = cardinality(map_keys({{ record_column }})),
        transform_keys({{ record_column }}, (entry_key, entry_value) -> lower(entry_key))
    )
{%- endmacro %}
