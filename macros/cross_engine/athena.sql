{#
    Athena (Trino SQL) implementations of the cross-engine helpers; the Spark ones are next to
    their dispatchers. Same contract as there: bad input gives NULL, never an error.
#}

{#-
    The map of a JSON object line, key to the value's text, like Spark's map<string, string>:
    strings without their quotes, numbers and booleans as text, nested objects and arrays as
    JSON. NULL when the line is not a JSON object. The cast keeps a JSON null as JSON 'null',
    which json_extract_scalar turns into NULL (json_format would make it the text 'null').
-#}
{% macro athena__landing_json_object(line_column) -%}
    transform_values(
        -- a second object (`}{`) refused as on Spark, so that both engines quarantine the same lines
        if(
            not regexp_like({{ line_column }}, '[}][ \t]*[{]'),
            try(cast(json_parse({{ line_column }}) as map(varchar, json)))
        ),
        (entry_key, entry_value) -> if(
            is_json_scalar(entry_value), json_extract_scalar(entry_value, '$'), json_format(entry_value)
        )
    )
{%- endmacro %}


{#- Keys in lower case; NULL when a key appears twice in different case (see json.sql). -#}
{% macro athena__case_insensitive_keys(record_column) -%}
    if(
        cardinality(array_distinct(transform(map_keys({{ record_column }}), entry_key -> lower(entry_key))))
        = cardinality(map_keys({{ record_column }})),
        transform_keys({{ record_column }}, (entry_key, entry_value) -> lower(entry_key))
    )
{%- endmacro %}


{#- The text of a key's value in a map made by case_insensitive_keys; NULL when absent or null. -#}
{% macro athena__landing_json_value(record_column, key) -%}
    element_at({{ record_column }}, '{{ key | lower }}')
{%- endmacro %}


{#- Exact to the millisecond and without a time zone, which Parquet tables of Athena cannot hold. -#}
{% macro athena__epoch_ms_to_timestamp(epoch_ms) -%}
    date_add('millisecond', {{ epoch_ms }}, timestamp '1970-01-01 00:00:00.000')
{%- endmacro %}


{#-
    try_cast with the type names of Trino's DML (integer, varchar), as the sources declare Hive's
    (int, string). Text is trimmed first, as Spark's cast does: ' 7 ' is 7 on both engines.
-#}
{% macro athena__safe_cast(field, type) -%}
    {%- if type | lower in ['string', 'varchar'] -%}
    try_cast({{ field }} as {{ dml_data_type(type) }})
    {%- else -%}
    try_cast(trim(cast({{ field }} as varchar)) as {{ dml_data_type(type) }})
    {%- endif -%}
{%- endmacro %}


{#- Java regular expressions as on Spark; a Trino string literal keeps its backslashes. -#}
{% macro athena__normalized_email(email_column) -%}
    nullif(lower(regexp_replace({{ email_column }}, '^[\s\p{Z}]+|[\s\p{Z}]+$', '')), '')
{%- endmacro %}
