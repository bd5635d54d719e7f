{#
    Spark: an external text table over the delivered files keeps every line as it is, and a
    view of the same name as the source exposes it with the typed columns of the contract.
    Spark's JSON reader is not used because, with a declared schema, it matches keys
    case-sensitively (`timeStamp` would read as NULL) and turns malformed lines into NULLs.
    `<source>__files` lists the delivered files (path, modification time, size) with Spark's
    binaryFile source, which reads no file content unless asked: a build learns which files
    are in the landing zone without reading a line. Dropping an external table leaves its
    files alone.
#}
{% macro spark__create_landing_table(node) %}
    {% set location = landing_location(node) %}
    {% set schema = adapter.quote(node.schema) %}
    {% set lines_table = schema ~ '.' ~ adapter.quote(node.identifier ~ '__lines') %}
    {% set landing_view = schema ~ '.' ~ adapter.quote(node.identifier) %}
    {% set files_table = schema ~ '.' ~ adapter.quote(node.identifier ~ '__files') %}
    {% set options = node.external.options or {} %}
    {% set typed_columns = landing_contract(node.name)['keys'] %}

    {#- the options and location of both tables over the landing folder -#}
    {% set over_landing_folder %}
        {%- if options %}
        options (
            {%- for key, value in options.items() %}
            '{{ key }}' = '{{ value | replace("'", "\\'") }}'{{ "," if not loop.last }}
            {%- endfor %}
        )
        {%- endif %}
        location '{{ location | replace("'", "\\'") }}'
    {%- endset %}

    {% do run_query('create schema if not exists ' ~ schema) %}
    {% do run_query('drop view if exists ' ~ landing_view) %}
    {% do run_query('drop table if exists ' ~ lines_table) %}
    {% do run_query('drop table if exists ' ~ files_table) %}
    {% call statement('create_lines_table') %}
        create table {{ lines_table }} (value string)
        using text
        {{ over_landing_folder }}
    {% endcall %}
    {% call statement('create_files_table') %}
        create table {{ files_table }}
        using binaryFile
        {{ over_landing_folder }}
    {% endcall %}
    {% call statement('create_landing_view') %}
        create view {{ landing_view }} as
        with
        lines as (
            select
                -- _metadata.file_path is a URI, percent-encoded (a space is %20); the file list
                -- (binaryFile's path) is not: decoded, both name a file alike. A `+` is kept as
                -- it is, which url_decode would read as a space.
                url_decode(replace(_metadata.file_path, '+', '%2B')) as source_file,
                _metadata.file_modification_time as source_file_modified_at,
                value as raw_line,
                {{ case_insensitive_keys(landing_json_object('value', node.name), 'value') }} as record
            from {{ lines_table }}
            -- a line of white space only (e.g. after a final CRLF) is no record; a line that
            -- begins with a brace, as nearly all do, needs no trimming to tell
            where startswith(value, '{') or btrim(value, {{ spark_white_space() }}) != ''
        )
        select
            source_file,
            source_file_modified_at,
            raw_line
            {%- for column in typed_columns %},
            {{ contract_value(landing_json_value('record', column.name), column.type) }}
                as {{ adapter.quote(column.name) }}
            {%- endfor %}
        from lines
    {% endcall %}
{% endmacro %}

